// One simulated server: the production RaftDriver over a Raft core, an in-memory twin of its
// durable storage, and the application it applies to. The simulator injects only what a process
// gets from outside: time (ticks, timers, the end of a turn), the network, and the disk. It can
// crash the node between any two steps of a Ready (received, persisted, sent), losing everything
// the disk does not hold; a crashed incarnation's driver can no longer touch the disk, the
// network or the state machine. A restart boots a new driver and core from the disk alone.

import { RaftDriver } from '../../node-runtime/node/raft-driver';
import type { AppliedStateMachine, DriverClock, DriverTestingKnobs, DurableState, ReadyProbe } from '../../node-runtime/node/raft-driver';
import type { ConfChange, ConfState, LogStorage, MemoryStorage, Message, NodeId, RawNode, Ready, Role, Status } from '../../node-runtime/raft/index';
import { MemoryDurableState } from '../../node-runtime/storage/memory-durable-state';
import type { Logger } from 'pino';
import type { Checker } from './invariants';
import { KvStateMachine, encodeCommand } from './state-machine';
import type { Command } from './state-machine';
import type { Trace } from './trace';
import { describeMessage } from './trace';
import { Violation } from './violation';

/** Where in the handling of a Ready a crash strikes. */
export type CrashPoint = 'beforePersist' | 'afterPersist' | 'afterSend';

export interface NodeEnv {
  readonly checker: Checker;
  readonly trace: Trace;
  /** Where a driver reports the storage failure it stops on (none in a correct run). */
  readonly logger: Logger;
  now(): number;
  /** Builds a core for `id` over `storage`, whose state machine has applied up to `applied`. */
  newCore(id: NodeId, storage: MemoryStorage, applied: number): RawNode;
  send(m: Message): void;
  /** The disk of every node, for checking that commits are durable on a quorum. */
  disk(id: NodeId): LogStorage | undefined;
  /** Delay before a pending Ready is handled; 0: right after the events already due now. */
  readyDelay(): number;
  /** A deliberately broken driver, for showing the simulator catches it. */
  readonly driverKnobs: DriverTestingKnobs | undefined;
  /** RaftDriverOptions.commitIdleMs, in time units. */
  readonly commitIdle: number | undefined;
  /** How long the next durable write takes to complete; 0: at once, on a disk that loses nothing. */
  syncDelay(): number;
  schedule(delay: number, run: () => void): void;
  /** Lets the adversary crash a node in the middle of a Ready it finds interesting. */
  crashPointFor(node: NodeId, rd: Ready): CrashPoint | undefined;
  /** Something worth counting in a run's statistics happened. */
  count(event: keyof ClusterEvents): void;
  /** This node was just elected leader. */
  elected(node: NodeId): void;
  /** A write took effect in this node's state machine. */
  applied(node: NodeId, cmd: Command): void;
  /** A linearizable read finished on this node. */
  readServed(node: NodeId, context: string): void;
  /** A check failed (or the code under test threw) inside a driver, which caught it: end the run. */
  fail(err: unknown): void;
  /** This node just crashed (its peers may see their connections to it close). */
  crashed(node: NodeId): void;
}

export interface ClusterEvents {
  leaderElected: number;
  snapshotInstalled: number;
  confChangeApplied: number;
}

/** A read the core never answered (its request was lost) is given up after this long. */
const READ_TIMEOUT = 500;
/** Proposals are fire-and-forget for the simulated clients; the driver still tracks each one. */
const PROPOSAL_TIMEOUT = 1000;

/** Thrown into a driver to stop it where a crash strikes; its 'fatal' path then stops it for good. */
class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash');
    this.name = 'SimulatedCrash';
  }
}

export class SimNode {
  private driver: RaftDriver<Command | undefined> | undefined;
  private memory: MemoryStorage | undefined;
  /** The data of every entry this node wrote, by index and term: what its in-memory log reads back. */
  private readonly written = new Map<string, Uint8Array>();
  /** Counts boots: a callback from an earlier incarnation finds its number stale and stops. */
  private incarnation = 0;
  private durable: MemoryDurableState;
  /**
   * On a lossy disk: the disk as of the last completed durable write, while writes made since
   * then (not yet synced, or not asked to be) would be lost by a crash.
   */
  private lastSynced: MemoryStorage | undefined;
  /** Writes to the disk so far, and the last of them a completed durable write covered. */
  private writesIssued = 0;
  private syncedUpTo = 0;
  /** Durable writes still syncing, each with the disk as it was before the next write (if any came). */
  private unsyncedDurableWrites: { readonly seq: number; covered?: MemoryStorage }[] = [];
  /** Disk writes of the running incarnation still syncing: its driver waits on the simulated disk. */
  private syncing = 0;
  private sm: KvStateMachine;
  /** Membership as of the state machine's applied index (what a snapshot records). */
  private confState: ConfState;
  private crashAt: CrashPoint | undefined;
  /** Until then the node handles no Ready: its disk or its apply loop is stalled. */
  private stalledUntil = 0;
  /** The driver's tick callback; the cluster calls tick() at this node's own clock rate. */
  private onTick: (() => void) | undefined;
  /** A snapshot the adversary asked for: taken after the next Ready, keeping this many entries. */
  private snapshotKeep: number | undefined;
  private nextRead = 0;
  /**
   * While paused (SIGSTOP) the node neither ticks, hears nor speaks: what arrives and what its
   * driver sends wait here, in order, until it resumes.
   */
  private paused: { inbox: (() => void)[]; outbox: Message[] } | undefined;
  role: Role = 'follower';

  constructor(
    readonly id: NodeId,
    disk: MemoryStorage,
    private readonly env: NodeEnv,
  ) {
    this.durable = new MemoryDurableState(disk);
    this.sm = KvStateMachine.empty(0);
    this.confState = disk.initialState().confState;
    this.start();
  }

  get disk(): MemoryStorage {
    return this.durable.disk;
  }

  get up(): boolean {
    return this.driver !== undefined;
  }

  get isPaused(): boolean {
    return this.paused !== undefined;
  }

  /** Whether the driver is in the middle of a Ready and can go on now (not waiting on its disk). */
  get busy(): boolean {
    return (this.driver?.busy ?? false) && this.syncing === 0;
  }

  /** The persisted term: what the node would tell anyone after a restart. */
  get term(): number {
    return this.disk.initialState().hardState.term;
  }

  get appliedIndex(): number {
    return this.sm.applied;
  }

  /** Membership as of the applied index (the configuration this node acts on). */
  get membership(): ConfState {
    return this.confState;
  }

  get appliedChain(): number {
    return this.sm.chain;
  }

  /**
   * Boots (or reboots) from the disk alone: the state machine restarts from the disk's snapshot.
   * A slow start handles no Ready for `stalledFor` (ticks and messages still reach the core).
   */
  start(stalledFor = 0): void {
    if (this.driver) return;
    const incarnation = ++this.incarnation;
    this.stalledUntil = this.env.now() + stalledFor;
    const snap = this.disk.snapshot();
    this.sm = KvStateMachine.restore(snap.metadata.index, snap.data);
    this.env.checker.onRestore(this.id, snap.metadata.index, this.sm.chain);
    this.confState = this.disk.initialState().confState;
    this.role = 'follower';
    const memory = this.durable.recover();
    // As a node's WAL does: applied entries' data leaves the in-memory log at once (nothing kept)
    // and is read back when the core needs it, from what this node wrote.
    for (const e of memory.entries(memory.firstIndex(), memory.lastIndex() + 1)) this.written.set(`${e.index}/${e.term}`, e.data);
    memory.spillTo({ read: (index, term) => this.writtenData(index, term), keepAppliedBytes: 0 });
    this.memory = memory;
    const driver = new RaftDriver<Command | undefined>({
      id: this.id,
      rawNode: this.env.newCore(this.id, memory, snap.metadata.index),
      memory,
      durable: this.durableFor(incarnation),
      stateMachine: this.stateMachineFor(incarnation),
      send: (messages) => this.send(incarnation, messages),
      tickMs: 1,
      snapshotThreshold: () => (this.snapshotKeep === undefined ? Number.POSITIVE_INFINITY : 1),
      compactionMargin: () => this.snapshotKeep ?? 0,
      applied: snap.metadata.index,
      logger: this.env.logger,
      clock: this.clockFor(incarnation),
      newReadContext: () => `n${this.id}.${incarnation}.${this.nextRead++}`,
      probe: this.probeFor(incarnation),
      ...(this.env.commitIdle === undefined ? {} : { commitIdleMs: this.env.commitIdle }),
      ...(this.env.driverKnobs === undefined ? {} : { testingKnobs: this.env.driverKnobs }),
    });
    driver.on('confChanged', ({ confState }) => this.confChanged(confState));
    driver.on('snapshotRestored', ({ index }) => this.restored(index));
    driver.on('snapshotTaken', ({ index }) => {
      this.snapshotKeep = undefined;
      this.trace(`snapshot at ${index}, log now [${this.disk.firstIndex()}..${this.disk.lastIndex()}]`);
    });
    driver.on('fatal', (err) => {
      if (incarnation !== this.incarnation) return;
      if (err instanceof SimulatedCrash) this.crash();
      else this.env.fail(err);
    });
    this.driver = driver;
    this.trace(`start applied=${snap.metadata.index} ${JSON.stringify(this.disk.initialState().hardState)} last=${this.disk.lastIndex()}${stalledFor > 0 ? ` stalled for ${stalledFor}` : ''}`);
    driver.start();
  }

  /** Loses the driver, the core and the state machine, and every unhandled Ready; the disk survives. */
  crash(): void {
    if (!this.driver) return;
    this.driver = undefined;
    this.memory = undefined;
    this.onTick = undefined;
    this.incarnation++;
    this.syncing = 0;
    this.unsyncedDurableWrites = [];
    this.loseUnsyncedWrites();
    this.crashAt = undefined;
    this.snapshotKeep = undefined;
    this.role = 'follower';
    this.paused = undefined;
    this.trace('crash');
    this.env.crashed(this.id);
  }

  /** Stops the process for `duration` (SIGSTOP … SIGCONT); nothing is lost, only delayed. */
  pause(duration: number): void {
    if (!this.driver || this.paused) return;
    const paused: NonNullable<SimNode['paused']> = { inbox: [], outbox: [] };
    this.paused = paused;
    this.trace(`paused for ${duration}`);
    this.env.schedule(duration, () => {
      if (this.paused !== paused) return;
      this.paused = undefined;
      this.trace(`resumed: ${paused.inbox.length} arrivals, ${paused.outbox.length} held sends`);
      for (const arrival of paused.inbox) arrival();
      for (const m of paused.outbox) this.env.send(m);
    });
  }

  /** The connection that carried `from`'s messages here closed (the transport's EOF or RST). */
  connectionClosed(from: NodeId): void {
    if (!this.driver) return;
    if (this.paused) {
      this.paused.inbox.push(() => this.connectionClosed(from));
      return;
    }
    this.trace(`connection from n${from} closed`);
    this.driver.reportConnectionClosed(from);
  }

  /** Arms a crash in the middle of the next Ready (if none comes, the crash never happens). */
  crashDuringNextReady(point: CrashPoint): void {
    if (this.driver) this.crashAt = point;
  }

  /** Cancels a crash armed by crashDuringNextReady that has not struck yet. */
  disarmCrash(): void {
    this.crashAt = undefined;
  }

  /** A paused process misses its timer: the next tick after it resumes is simply the next one. */
  tick(): void {
    if (!this.paused) this.onTick?.();
  }

  receive(m: Message): void {
    if (!this.driver) return;
    if (this.paused) {
      this.paused.inbox.push(() => this.receive(m));
      return;
    }
    if (this.env.trace.enabled) this.trace(`recv ${describeMessage(m)}`);
    this.driver.step(m);
  }

  propose(cmd: Command): void {
    if (!this.driver) return;
    this.trace(`propose #${cmd.proposalId}`);
    this.driver.propose(encodeCommand(cmd), PROPOSAL_TIMEOUT).catch(() => undefined);
  }

  proposeConfChange(cc: ConfChange): void {
    if (!this.driver) return;
    this.trace(`propose conf change ${JSON.stringify(cc)}`);
    this.driver.proposeConfChange(cc, PROPOSAL_TIMEOUT).catch(() => undefined);
  }

  /** A linearizable read through the driver's ReadIndex barrier; served once it resolves. */
  readIndex(context: string, key: number, required: number): void {
    const driver = this.driver;
    if (!driver) return;
    const incarnation = this.incarnation;
    this.trace(`readIndex ${context} key=${key} required=${required}`);
    driver.readBarrier(READ_TIMEOUT).then(
      (readIndex) => {
        if (incarnation !== this.incarnation) return;
        try {
          const checker = this.env.checker;
          checker.onReadState(this.id, context, readIndex, required);
          checker.onReadServed(this.id, context, key, this.sm.read(key), this.sm.applied);
          this.trace(`served read ${context}`);
          this.env.readServed(this.id, context);
        } catch (err) {
          this.env.fail(err);
        }
      },
      () => undefined,
    );
  }

  /** Starts an election now, as an operator forcing one would. */
  campaign(): void {
    if (!this.driver) return;
    this.trace('campaign');
    this.driver.campaign();
  }

  transferLeadership(to: NodeId): void {
    if (!this.driver) return;
    this.trace(`transfer leadership to n${to}`);
    this.driver.transferLeadership(to);
  }

  reportSnapshot(to: NodeId, ok: boolean): void {
    this.driver?.reportSnapshot(to, ok);
  }

  reportUnreachable(to: NodeId): void {
    this.driver?.reportUnreachable(to);
  }

  status(): Status | undefined {
    return this.driver?.status();
  }

  /**
   * Asks for a snapshot of the state machine at its applied index, compacting the log up to
   * `keep` entries behind it, as an application does to bound its log. The driver takes it after
   * its next Ready.
   */
  takeSnapshot(keep: number): void {
    if (!this.driver || this.sm.applied <= this.disk.snapshot().metadata.index) return;
    this.snapshotKeep = keep;
  }

  // ---- what the simulator injects into the driver ----------------------------------------------

  /** Whether `incarnation` is the running one; a stale one is stopped as a crashed process is. */
  private assertCurrent(incarnation: number): void {
    if (incarnation !== this.incarnation) throw new SimulatedCrash();
  }

  private clockFor(incarnation: number): DriverClock {
    const env = this.env;
    const live = (): boolean => incarnation === this.incarnation;
    return {
      now: () => env.now(),
      every: (_ms, fn) => {
        this.onTick = fn;
        return () => {
          if (live()) this.onTick = undefined;
        };
      },
      after: (ms, fn) => {
        let cancelled = false;
        env.schedule(ms, () => {
          if (!cancelled && live()) fn();
        });
        return () => {
          cancelled = true;
        };
      },
      soon: (fn) => {
        const delay = Math.max(env.readyDelay(), this.stalledUntil - env.now());
        env.schedule(delay, () => {
          if (live()) fn();
        });
      },
    };
  }

  /**
   * The driver's disk: the in-memory twin, made slow and lossy when the scenario asks. A write
   * lands at once but completes after the sync delay; until a durable write completes, a crash
   * undoes everything written since the last one that did.
   */
  private durableFor(incarnation: number): DurableState {
    const write = (durable: boolean, apply: () => Promise<void>): Promise<void> => {
      this.assertCurrent(incarnation);
      const delay = this.env.syncDelay();
      if (delay === 0) return apply();
      this.lastSynced ??= this.disk.clone();
      // Writes overlap (the driver writes a snapshot beside its Readies): a sync makes durable
      // what was written up to its own write, not what later writes add while it is syncing. So
      // the disk as it is now is what the syncs under way will have made durable.
      const now = this.unsyncedDurableWrites.some((w) => w.covered === undefined) ? this.disk.clone() : undefined;
      for (const w of this.unsyncedDurableWrites) w.covered ??= now;
      void apply();
      this.syncing++;
      const pending: { seq: number; covered?: MemoryStorage } = { seq: ++this.writesIssued };
      if (durable) this.unsyncedDurableWrites.push(pending);
      return new Promise((resolve) => {
        this.env.schedule(delay, () => {
          if (incarnation === this.incarnation) {
            this.syncing--;
            this.unsyncedDurableWrites = this.unsyncedDurableWrites.filter((w) => w !== pending);
            if (durable && pending.seq > this.syncedUpTo) {
              this.syncedUpTo = pending.seq;
              this.lastSynced = pending.covered;
            }
          }
          resolve();
        });
      });
    };
    return {
      saveSnapshot: (snapshot) => write(true, () => this.durable.saveSnapshot(snapshot)),
      save: (update) => {
        for (const e of update.entries) this.written.set(`${e.index}/${e.term}`, e.data);
        return write(update.sync, () => this.durable.save(update));
      },
      compact: (metadata, data, compactTo) => write(true, () => this.durable.compact(metadata, data, compactTo)),
      loadSnapshot: (metadata) => this.durable.loadSnapshot(metadata),
    };
  }

  /** The data of an entry this node wrote (MemoryStorage.spillTo): an index and term name one entry, ever. */
  private writtenData(index: number, term: number): Uint8Array {
    const data = this.written.get(`${index}/${term}`);
    if (data === undefined) throw new Error(`sim: n${this.id} never wrote entry ${index}/${term}`);
    return data;
  }

  /** A crash on a lossy disk: back to the last completed durable write. */
  private loseUnsyncedWrites(): void {
    const synced = this.lastSynced;
    if (synced === undefined) return;
    this.lastSynced = undefined;
    this.durable = new MemoryDurableState(synced);
    this.env.checker.onDiskRolledBack(this.id, synced.initialState().hardState);
    this.trace(`lost unsynced writes: disk back to last=${synced.lastIndex()} ${JSON.stringify(synced.initialState().hardState)}`);
  }

  private stateMachineFor(incarnation: number): AppliedStateMachine<Command | undefined> {
    return {
      apply: (e) => {
        this.assertCurrent(incarnation);
        if (e.index !== this.sm.applied + 1) {
          throw new Violation('readyContract', `n${this.id} is handed index ${e.index} to apply after ${this.sm.applied}`, this.env.now());
        }
        const cmd = this.sm.apply(e);
        this.env.checker.onApply(this.id, e, this.sm.chain, cmd, this.disk);
        if (cmd) this.env.applied(this.id, cmd);
        return cmd;
      },
      // Encoded at the call: the driver writes it while it goes on applying.
      snapshot: () => [this.sm.encode()],
      restore: (data, index) => {
        this.assertCurrent(incarnation);
        this.sm = KvStateMachine.restore(index, data);
      },
    };
  }

  private send(incarnation: number, messages: readonly Message[]): void {
    this.assertCurrent(incarnation);
    for (const m of messages) {
      if (this.env.trace.enabled) this.trace(`send ${describeMessage(m)}`);
      if (this.paused) this.paused.outbox.push(m);
      else this.env.send(m);
    }
  }

  /** Checks the Ready contract at each step, and crashes the node where the adversary asked. */
  private probeFor(incarnation: number): ReadyProbe {
    return {
      received: (rd) => {
        this.assertCurrent(incarnation);
        this.crashAt ??= this.env.crashPointFor(this.id, rd);
        if (this.crashAt === 'beforePersist') throw new SimulatedCrash();
        this.env.checker.onReadyReceived(this.id, rd);
        // A leader that stays leader of the same term across this Ready may only append.
        const stillLeading = this.role === 'leader' && rd.softState === undefined && (rd.hardState === undefined || rd.hardState.term === this.term);
        const first = rd.entries[0];
        if (stillLeading && first !== undefined) this.env.checker.onLeaderAppend(this.id, this.term, first.index, this.disk.lastIndex());
      },
      persisted: (rd) => {
        this.assertCurrent(incarnation);
        this.persisted(rd);
        if (this.crashAt === 'afterPersist') throw new SimulatedCrash();
      },
      sent: () => {
        this.assertCurrent(incarnation);
        if (this.crashAt === 'afterSend') throw new SimulatedCrash();
      },
    };
  }

  private persisted(rd: Ready): void {
    if (this.env.trace.enabled && (rd.entries.length > 0 || rd.hardState || rd.snapshot)) {
      const first = rd.entries[0]?.index;
      const ents = first === undefined ? '' : ` entries=[${first}..${first + rd.entries.length - 1}]`;
      const snap = rd.snapshot ? ` snapshot@${rd.snapshot.metadata.index}` : '';
      this.trace(`persist${snap}${ents}${rd.hardState ? ` ${JSON.stringify(rd.hardState)}` : ''}`);
    }
    const checker = this.env.checker;
    checker.onPersisted(this.id, rd, this.disk);
    if (rd.softState) {
      this.role = rd.softState.role;
      this.trace(`now ${this.role}, leader n${rd.softState.leader}`);
      if (this.role === 'leader') {
        checker.onLeader(this.id, this.term, this.disk);
        this.env.elected(this.id);
      }
    }
    if (rd.hardState) {
      const leaderView = this.role === 'leader' ? { confState: this.confState, disks: (id: NodeId) => this.env.disk(id) } : undefined;
      checker.onCommit(this.id, rd.hardState, this.disk, leaderView);
    }
  }

  private confChanged(confState: ConfState): void {
    this.confState = confState;
    this.env.count('confChangeApplied');
    this.trace(`applied conf change: voters=[${confState.voters.join(',')}] learners=[${confState.learners.join(',')}] outgoing=[${confState.votersOutgoing.join(',')}]`);
  }

  private restored(index: number): void {
    const memory = this.memory;
    if (memory !== undefined) this.confState = memory.snapshot().metadata.confState;
    this.env.checker.onRestore(this.id, index, this.sm.chain);
    this.env.count('snapshotInstalled');
    this.trace(`restored snapshot at ${index}`);
  }

  private trace(text: string): void {
    if (this.env.trace.enabled) this.env.trace.log(this.id, text);
  }
}
