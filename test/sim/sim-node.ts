// One simulated server: a Raft core, the disk it persists to, and the application it applies to.
// It drives the core exactly as a real node must (persist → send → apply → advance) and can crash
// at any point of that sequence, losing everything the disk does not hold. The disk (a
// MemoryStorage) and its latest snapshot are all that survive a crash.

import { decodeConfChange } from '../../node-runtime/raft/index';
import type { ConfChange, ConfState, LogStorage, MemoryStorage, Message, NodeId, ProposeResult, RawNode, Ready, Role, Status } from '../../node-runtime/raft/index';
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
  now(): number;
  /** Builds a core for `id` over `disk`, whose state machine has applied up to `applied`. */
  newCore(id: NodeId, disk: MemoryStorage, applied: number): RawNode;
  send(m: Message): void;
  /** The disk of every node, for checking that commits are durable on a quorum. */
  disk(id: NodeId): LogStorage | undefined;
  /** Delay before a pending Ready is handled; 0: right after the events already due now. */
  readyDelay(): number;
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
}

export interface ClusterEvents {
  leaderElected: number;
  snapshotInstalled: number;
  confChangeApplied: number;
}

/** A read the core never answered (its request was lost) is given up after this long. */
const READ_TIMEOUT = 500;

interface PendingRead {
  readonly key: number;
  readonly startedAt: number;
  /** Highest index committed anywhere when the read started. */
  readonly required: number;
  /** Set once the core confirmed the read: serve when the state machine reaches it. */
  readIndex?: number;
}

export class SimNode {
  private core: RawNode | undefined;
  private sm: KvStateMachine;
  /** Membership as of the state machine's applied index (what a snapshot records). */
  private confState: ConfState;
  private readonly reads = new Map<string, PendingRead>();
  private readyQueued = false;
  private handling = false;
  private crashAt: CrashPoint | undefined;
  /** Until then the node handles no Ready: its disk or its apply loop is stalled. */
  private stalledUntil = 0;
  role: Role = 'follower';

  constructor(
    readonly id: NodeId,
    readonly disk: MemoryStorage,
    private readonly env: NodeEnv,
  ) {
    this.sm = KvStateMachine.empty(0);
    this.confState = disk.initialState().confState;
    this.start();
  }

  get up(): boolean {
    return this.core !== undefined;
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
    if (this.core) return;
    this.stalledUntil = this.env.now() + stalledFor;
    const snap = this.disk.snapshot();
    this.sm = KvStateMachine.restore(snap.metadata.index, snap.data);
    this.env.checker.onRestore(this.id, snap.metadata.index, this.sm.chain);
    this.confState = this.disk.initialState().confState;
    this.role = 'follower';
    this.core = this.env.newCore(this.id, this.disk, snap.metadata.index);
    this.trace(`start applied=${snap.metadata.index} ${JSON.stringify(this.disk.initialState().hardState)} last=${this.disk.lastIndex()}${stalledFor > 0 ? ` stalled for ${stalledFor}` : ''}`);
    this.kick();
  }

  /** Loses the core, the state machine and every unhandled Ready; the disk survives. */
  crash(): void {
    if (!this.core) return;
    this.core = undefined;
    this.reads.clear();
    this.crashAt = undefined;
    this.role = 'follower';
    this.trace('crash');
  }

  /** Arms a crash in the middle of the next Ready (if none comes, the crash never happens). */
  crashDuringNextReady(point: CrashPoint): void {
    if (this.core) this.crashAt = point;
  }

  /** Cancels a crash armed by crashDuringNextReady that has not struck yet. */
  disarmCrash(): void {
    this.crashAt = undefined;
  }

  tick(): void {
    if (!this.core) return;
    this.core.tick();
    this.kick();
  }

  receive(m: Message): void {
    if (!this.core) return;
    if (this.env.trace.enabled) this.trace(`recv ${describeMessage(m)}`);
    this.core.step(m);
    this.kick();
  }

  propose(cmd: Command): ProposeResult | undefined {
    if (!this.core) return undefined;
    const result = this.core.propose(encodeCommand(cmd));
    this.trace(`propose #${cmd.proposalId} → ${result.ok ? 'ok' : result.reason}`);
    this.kick();
    return result;
  }

  proposeConfChange(cc: ConfChange): ProposeResult | undefined {
    if (!this.core) return undefined;
    const result = this.core.proposeConfChange(cc);
    this.trace(`propose conf change ${JSON.stringify(cc)} → ${result.ok ? 'ok' : result.reason}`);
    this.kick();
    return result;
  }

  readIndex(context: string, key: number, required: number): void {
    if (!this.core) return;
    this.trace(`readIndex ${context} key=${key} required=${required}`);
    if (this.core.readIndex(context).ok) this.reads.set(context, { key, required, startedAt: this.env.now() });
    this.kick();
  }

  /** Starts an election now, as an operator forcing one would. */
  campaign(): void {
    if (!this.core) return;
    this.trace('campaign');
    this.core.campaign();
    this.kick();
  }

  transferLeadership(to: NodeId): void {
    if (!this.core) return;
    this.trace(`transfer leadership to n${to}`);
    this.core.transferLeadership(to);
    this.kick();
  }

  reportSnapshot(to: NodeId, ok: boolean): void {
    if (!this.core) return;
    this.core.reportSnapshot(to, ok);
    this.kick();
  }

  reportUnreachable(to: NodeId): void {
    if (!this.core) return;
    this.core.reportUnreachable(to);
    this.kick();
  }

  status(): Status | undefined {
    return this.core?.status();
  }

  /**
   * Snapshots the state machine at its applied index and compacts the log up to `keep` entries
   * behind it, as an application does to bound its log.
   */
  takeSnapshot(keep: number): void {
    if (!this.core || this.sm.applied <= this.disk.snapshot().metadata.index) return;
    this.disk.createSnapshot(this.sm.applied, this.confState, this.sm.encode());
    const compactTo = this.sm.applied - keep;
    if (compactTo >= this.disk.firstIndex()) this.disk.compact(compactTo);
    this.trace(`snapshot at ${this.sm.applied}, log now [${this.disk.firstIndex()}..${this.disk.lastIndex()}]`);
  }

  /**
   * Handles the core's Ready once the current event is over, like a node's event loop: inputs
   * that arrive together (a client's batch, a burst of messages) are persisted and sent as one.
   */
  private kick(): void {
    // Inside handleReadies the loop picks up whatever this call would have: no re-entry.
    if (this.readyQueued || this.handling) return;
    this.readyQueued = true;
    const delay = Math.max(this.env.readyDelay(), this.stalledUntil - this.env.now());
    this.env.schedule(delay, () => {
      this.readyQueued = false;
      this.handleReadies();
    });
  }

  private handleReadies(): void {
    this.handling = true;
    try {
      while (this.core?.hasReady()) this.handleReady(this.core, this.core.ready());
    } finally {
      this.handling = false;
    }
  }

  private handleReady(core: RawNode, rd: Ready): void {
    this.crashAt ??= this.env.crashPointFor(this.id, rd);
    if (this.crashAt === 'beforePersist') return this.crash();
    this.persist(rd);
    if (this.crashAt === 'afterPersist') return this.crash();
    for (const m of rd.messages) {
      if (this.env.trace.enabled) this.trace(`send ${describeMessage(m)}`);
      this.env.send(m);
    }
    if (this.crashAt === 'afterSend') return this.crash();
    this.apply(core, rd);
    core.advance(rd);
  }

  private persist(rd: Ready): void {
    // A leader that stays leader of the same term across this Ready may only append.
    const stillLeading = this.role === 'leader' && rd.softState === undefined && (rd.hardState === undefined || rd.hardState.term === this.term);
    const first = rd.entries[0];
    if (stillLeading && first !== undefined) this.env.checker.onLeaderAppend(this.id, this.term, first.index, this.disk.lastIndex());
    if (rd.snapshot) this.disk.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) this.disk.append(rd.entries);
    if (rd.hardState) this.disk.setHardState(rd.hardState);
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

  private apply(core: RawNode, rd: Ready): void {
    const checker = this.env.checker;
    if (rd.snapshot) {
      const { index, confState } = rd.snapshot.metadata;
      this.sm = KvStateMachine.restore(index, rd.snapshot.data);
      this.confState = confState;
      checker.onRestore(this.id, index, this.sm.chain);
      this.env.count('snapshotInstalled');
      this.trace(`restored snapshot at ${index}`);
    }
    for (const e of rd.committedEntries) {
      if (e.index !== this.sm.applied + 1) {
        throw new Violation('readyContract', `n${this.id} is handed index ${e.index} to apply after ${this.sm.applied}`, this.env.now());
      }
      const cmd = this.sm.apply(e);
      checker.onApply(this.id, e, this.sm.chain, cmd);
      if (e.kind === 'confChange') {
        this.confState = core.applyConfChange(decodeConfChange(e.data));
        this.env.count('confChangeApplied');
        this.trace(`applied conf change at ${e.index}: voters=[${this.confState.voters.join(',')}] learners=[${this.confState.learners.join(',')}] outgoing=[${this.confState.votersOutgoing.join(',')}]`);
      }
      if (cmd) this.env.applied(this.id, cmd);
    }
    for (const rs of rd.readStates) {
      const read = this.reads.get(rs.context);
      if (read === undefined) continue;
      checker.onReadState(this.id, rs.context, rs.index, read.required);
      read.readIndex = rs.index;
    }
    this.serveReads();
  }

  private serveReads(): void {
    const now = this.env.now();
    for (const [context, read] of this.reads) {
      if (read.readIndex === undefined && now - read.startedAt > READ_TIMEOUT) this.reads.delete(context);
      if (read.readIndex === undefined || read.readIndex > this.sm.applied) continue;
      this.env.checker.onReadServed(this.id, context, read.key, this.sm.read(read.key), this.sm.applied);
      this.reads.delete(context);
      this.trace(`served read ${context}`);
      this.env.readServed(this.id, context);
    }
  }

  private trace(text: string): void {
    if (this.env.trace.enabled) this.env.trace.log(this.id, text);
  }
}
