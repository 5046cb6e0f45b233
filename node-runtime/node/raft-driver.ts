// Drives the pure Raft core in a real process: ticks it on a timer, feeds it peer messages, and
// carries out each Ready in the order Raft's safety needs — persist, then send, then apply —
// one Ready at a time (a leader sends while it persists: see replicatesWhilePersisting; a Ready
// that only moves the commit index applies while it persists: appliesWhilePersisting). While
// one Ready is being made durable, new proposals pile up in the core and leave together in the
// next Ready: that is where group commit comes from. Time, storage and the read contexts are
// injected, so the simulator (test/sim) runs this very code.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { decodeConfChange } from '../raft/codec';
import type { MemoryStorage } from '../raft/memory-storage';
import type { RawNode } from '../raft/rawnode';
import { BackgroundSnapshot } from './background-snapshot';
import type { BasicStatus, ConfChange, ConfState, Entry, HardState, Message, NodeId, ProposeResult, Ready, Role, Snapshot, SnapshotMetadata, Status } from '../raft/types';

/** What the driver needs from durable storage (the write-ahead log and the snapshot store). */
export interface DurableState {
  /** Make a snapshot received from the leader durable (before its entries/hard state). */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  save(update: { hardState?: HardState; entries: readonly Entry[]; sync: boolean }): Promise<void>;
  /**
   * Make a locally taken snapshot durable, its data written piece by piece as `data` yields them,
   * then let the log drop what it covers.
   */
  compact(metadata: SnapshotMetadata, data: Iterable<Uint8Array>, compactTo: number): Promise<void>;
  /**
   * The data of a snapshot this storage made durable (saveSnapshot or compact). The in-memory log
   * keeps only snapshots' metadata — a snapshot is the whole state, and a follower needs one
   * rarely — and a snapshot is read back from here when one is sent. A snapshot no longer stored
   * rejects: the send counts as failed and Raft sends a newer one.
   */
  loadSnapshot(metadata: SnapshotMetadata): Promise<Uint8Array>;
}

/** The replicated state machine as the driver sees it. */
export interface AppliedStateMachine<Result> {
  /** Apply one committed entry: a command, the leader's empty no-op, or a membership change (already applied to Raft). */
  apply(entry: Entry): Result;
  /**
   * The state's snapshot in pieces, made as they are taken from the state as it was at the call:
   * the driver goes on applying entries while it writes them (background-snapshot.ts).
   */
  snapshot(): Iterable<Uint8Array>;
  /** Replace the state with a snapshot's, taken at `index`. */
  restore(data: Uint8Array, index: number): void;
}

/**
 * Time as the driver sees it: the process's timers in production, the simulator's scheduler in
 * tests. A DriverClock is also a Clock (ports.ts), the time every service is given.
 */
export interface DriverClock {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms`, unless the returned function is called first. */
  after(ms: number, fn: () => void): () => void;
  /** Calls `fn` once the current turn is over, so inputs that arrive together share one Ready. */
  soon(fn: () => void): void;
}

/** The process's clock and timers: what every part of a real node is given. */
export const processClock: DriverClock = {
  now: () => Date.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  soon: (fn) => void setImmediate(fn),
};

/**
 * Sees each Ready at the steps of its contract: as the core hands it over, once persisted, once
 * sent. The simulator checks the contract there, and crashes a node between two steps by throwing
 * (the driver then stops as it does when storage fails). Production passes none.
 */
export interface ReadyProbe {
  received?(rd: Ready): void;
  persisted?(rd: Ready): void;
  sent?(rd: Ready): void;
}

export interface RaftDriverOptions<Result> {
  readonly id: NodeId;
  readonly rawNode: RawNode;
  readonly memory: MemoryStorage;
  readonly durable: DurableState;
  readonly stateMachine: AppliedStateMachine<Result>;
  readonly send: (messages: readonly Message[]) => void;
  readonly tickMs: number;
  /** Applied entries between two snapshots of the state machine. */
  readonly snapshotThreshold: () => number;
  /** Entries kept in the log behind a snapshot so slightly lagging followers avoid a snapshot. */
  readonly compactionMargin: () => number;
  /**
   * The log's bound in bytes, beside snapshotThreshold's in entries: a snapshot is also taken once
   * the entries applied since the last one carry this many bytes, and compaction keeps at most
   * `marginBytes` of them behind it. Entries can carry small files whole (issue #11), so a count
   * alone would let the in-memory log grow to threshold × the largest inline file. None: no bound.
   */
  readonly logBytes?: () => { readonly snapshotAfter: number; readonly marginBytes: number };
  /**
   * A snapshot also once this node has applied nothing for `afterMs`, with at least `minEntries`
   * applied since the last one. A restart replays every entry after the last snapshot — after a
   * burst of 10,000 small files that was most of a restart at 100,000 files (issue #11) — so a node
   * that went quiet takes the snapshot the burst left half due, at a Ready boundary like any
   * other (idle nodes still have Readies: heartbeats and their answers). None: count and bytes only.
   */
  readonly idleSnapshot?: { readonly afterMs: number; readonly minEntries: number };
  readonly applied: number;
  readonly logger: Logger;
  /** Defaults to the process's timers. */
  readonly clock?: DriverClock;
  /** A unique context for each read barrier; defaults to random UUIDs. */
  readonly newReadContext?: () => string;
  readonly probe?: ReadyProbe;
  /**
   * Whether a snapshot sent to `to` is still on its way (the peer transport sends one at a time
   * per peer): then another is not read back from storage only to be dropped (sendSnapshot).
   */
  readonly snapshotUnderway?: (to: NodeId) => boolean;
  /**
   * With the core's lazyCommitBroadcast: once a leader has proposed nothing for this long after
   * its commit index moved, it tells the followers the new commit at once (RawNode.tellCommit)
   * rather than at its next tick, so a follower's local reads lag an idle leader's last write by
   * about this, not by up to a tick. Under load the next append carries it, as before. None: the
   * tick tells them.
   */
  readonly commitIdleMs?: number;
  /** Deliberately broken variants, for proving that the simulator catches bugs. Never set in production. */
  readonly testingKnobs?: DriverTestingKnobs;
}

export interface DriverTestingKnobs {
  /** Send a Ready's messages without waiting for its writes to become durable. */
  readonly sendBeforeDurable?: boolean;
  /**
   * At start, take the membership from the membership changes in the log past the snapshot,
   * committed or not (as a node that rebuilds its peer list from its WAL would), and skip each
   * when the replay reaches its index: a restart acts on a configuration it never applied.
   */
  readonly membershipFromLog?: boolean;
  /**
   * At start, replay the committed tail of the log (up to the persisted commit) into the state
   * machine only, taking the snapshot's membership as current: a change persisted and committed
   * but not applied before a crash is never applied to Raft.
   */
  readonly replaySkipsConfChanges?: boolean;
}

export class NotLeaderError extends Error {
  constructor(readonly leader: NodeId) {
    super(leader ? `not the leader; the leader is node ${leader}` : 'not the leader, and no leader is known');
    this.name = 'NotLeaderError';
  }
}

/** The proposal may or may not have been committed; the caller cannot know (e.g. leadership lost). */
export class ProposalTimeoutError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ProposalTimeoutError';
  }
}

/**
 * An entry whose data left memory (MemoryStorage.spillTo) could not be read back from the WAL
 * (damaged frame, file gone): the core asked for it in the middle of a step, tick or proposal.
 */
export class LogReadBackError extends Error {
  constructor(index: number, term: number, options: { cause: unknown }) {
    super(`reading entry ${index} (term ${term}) back from the write-ahead log failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
    this.name = 'LogReadBackError';
  }
}

/** The proposal will never be applied: another leader overwrote its log position. */
export class ProposalDroppedError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ProposalDroppedError';
  }
}

interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (err: Error) => void;
  readonly cancelTimer: () => void;
}

interface ProposalWaiter<Result> extends Waiter<{ index: number; result: Result }> {
  readonly term: number;
}

interface ReadWaiter extends Waiter<number> {
  /** Set once the leader confirmed the read: the index the state machine must reach. */
  readIndex: number | null;
}

export interface RaftDriverEvents {
  leaderChange: [{ leader: NodeId; role: Role; term: number }];
  /** A membership change was applied to Raft (before the state machine sees its entry). */
  confChanged: [{ change: ConfChange; confState: ConfState }];
  applied: [{ index: number }];
  snapshotTaken: [{ index: number; bytes: number; at: number }];
  /** A snapshot from the leader arrived and is being made durable, before it replaces the state. */
  snapshotReceived: [{ index: number; bytes: number }];
  snapshotRestored: [{ index: number; bytes: number }];
  /** Storage failed; the node must stop rather than risk acknowledging what is not durable. */
  fatal: [Error];
  /** Role, term, leader or vote changed (emitted once the change is durable). */
  raftState: [RaftStateChange];
  /** Vote requests and answers just sent (pre-votes included). */
  votesSent: [readonly Message[]];
  /** A Ready was carried out: commit, apply or replication progress may have moved. */
  readyHandled: [];
}

export interface RaftStateChange {
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId;
  readonly vote: NodeId;
}

/** The data of a snapshot the in-memory log holds without its bytes (see DurableState.loadSnapshot). */
export const DATA_IN_STORAGE = new Uint8Array(0);

/** How often a proposal that met a leadership transfer looks whether the transfer ended. */
const HANDOVER_CHECK_MS = 10;

const VOTE_MESSAGES: ReadonlySet<Message['type']> = new Set(['vote', 'voteResp', 'preVote', 'preVoteResp']);

export class RaftDriver<Result> extends EventEmitter<RaftDriverEvents> {
  private readonly proposals = new Map<number, ProposalWaiter<Result>>();
  private readonly reads = new Map<string, ReadWaiter>();
  private readonly clock: DriverClock;
  private stopTicking: (() => void) | null = null;
  private processing = false;
  private scheduled = false;
  private stopped = false;
  private appliedIndex: number;
  private snapshotIndex: number;
  /** Bytes of entry data applied since the last snapshot (taken or restored), for logBytes. */
  private bytesSinceSnapshot = 0;
  /** When this node last applied an entry (clock time), for idleSnapshot. */
  private lastAppliedAt = 0;
  private role: Role = 'follower';
  private leader: NodeId = 0;
  /** What `raftState` last told: listeners hear each change once. */
  private told: RaftStateChange | null = null;
  private fatal: Error | null = null;
  private readonly snapshots: BackgroundSnapshot;
  /** Followers whose snapshot is being read back from storage to be sent (sendSnapshot). */
  private readonly snapshotsReading = new Set<NodeId>();
  /** Membership changes up to this index are not applied to Raft (testing knobs only; 0 otherwise). */
  private skipConfChangesUpTo = 0;
  /** When this leader last handed entries to its followers (commitIdleMs). */
  private lastEntriesAt = 0;
  /** Whether a check for an idle leader owing its followers the commit index is set (commitIdleMs). */
  private idleCheckSet = false;

  constructor(private readonly options: RaftDriverOptions<Result>) {
    super();
    this.clock = options.clock ?? processClock;
    this.appliedIndex = options.applied;
    this.snapshotIndex = options.memory.snapshot().metadata.index;
    this.snapshots = new BackgroundSnapshot({
      memory: options.memory,
      durable: options.durable,
      dataInStorage: DATA_IN_STORAGE,
      live: () => !this.stopped && this.fatal === null,
      // Between Readies it goes in now; during one, at its end.
      onDurable: () => {
        if (!this.processing) this.installSnapshot();
      },
      onFailed: (err) => this.stopOnFailure(err, 'raft driver stopped: writing a snapshot failed'),
    });
  }

  start(): void {
    this.plantRestartBugs();
    this.stopTicking = this.clock.every(this.options.tickMs, () => {
      this.intoCoreFromTimer(() => this.options.rawNode.tick());
      this.schedule();
    });
    this.schedule();
  }

  /** Stops ticking and fails every waiter; the caller closes storage after this resolves. */
  async stop(): Promise<void> {
    this.halt();
    while (this.processing) await new Promise((r) => setImmediate(r));
    await this.snapshots.settled();
    this.failWaiters(new ProposalTimeoutError('the node is shutting down'));
  }

  private halt(): void {
    this.stopped = true;
    this.stopTicking?.();
    this.stopTicking = null;
  }

  private failWaiters(err: Error): void {
    for (const w of this.proposals.values()) this.settle(w, () => w.reject(err));
    for (const w of this.reads.values()) this.settle(w, () => w.reject(err));
    this.proposals.clear();
    this.reads.clear();
  }

  get applied(): number {
    return this.appliedIndex;
  }

  /** Whether a Ready is being carried out (persisting, sending or applying) right now. */
  get busy(): boolean {
    return this.processing;
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  get leaderId(): NodeId {
    return this.leader;
  }

  status(): Status {
    return this.options.rawNode.status();
  }

  /** status() without the leader's progress of each member: for callers on every request. */
  basicStatus(): BasicStatus {
    return this.options.rawNode.basicStatus();
  }

  step(message: Message): void {
    if (this.stopped) return;
    this.intoCore(() => this.options.rawNode.step(message));
    this.schedule();
  }

  /**
   * Runs a call into the core. An entry it needed could not be read back from the WAL: the core
   * is left mid-step and cannot serve the follower that lags, so the node stops loudly (a
   * supervisor restarts it; another node leads meanwhile) rather than lead on with a warning per
   * message that the transport logs.
   */
  private intoCore<T>(call: () => T): T {
    try {
      return call();
    } catch (err) {
      if (err instanceof LogReadBackError) this.stopOnFailure(err, 'raft driver stopped: an entry could not be read back from the write-ahead log');
      throw err;
    }
  }

  /** intoCore for a timer: thrown from there a read-back failure would kill the process before the node stops. */
  private intoCoreFromTimer(call: () => void): void {
    try {
      this.intoCore(call);
    } catch (err) {
      if (!(err instanceof LogReadBackError)) throw err;
    }
  }

  /**
   * Proposes `data` and resolves once it is committed and applied here, with the state machine's
   * answer. Only the leader proposes: a follower throws NotLeaderError naming the leader.
   */
  propose(data: Uint8Array, timeoutMs: number): Promise<{ index: number; result: Result }> {
    this.throwIfBroken();
    return this.proposeThroughHandover(() => this.options.rawNode.propose(data), 'entry', timeoutMs);
  }

  /**
   * On a follower: sends `data` to the leader as a proposal and returns the leader's id (0 when no
   * leader is known; nothing was sent). Nothing here tracks it: the caller learns its outcome by
   * what `data` carries (a request id, services/proposal-relay.ts), and a proposal in flight is
   * lost with its leader.
   */
  relay(data: Uint8Array): NodeId {
    this.throwIfBroken();
    const leader = this.intoCore(() => this.options.rawNode.relayProposal(data));
    this.schedule();
    return leader;
  }

  proposeConfChange(change: ConfChange, timeoutMs: number): Promise<{ index: number; result: Result }> {
    this.throwIfBroken();
    // Not held through a hand-over like an entry: a membership change the operator was told is
    // waiting would land seconds later in whatever configuration the hand-over left (refused, it is
    // retried by someone who sees that configuration).
    return this.track(this.intoCore(() => this.options.rawNode.proposeConfChange(change)), 'membership change', timeoutMs);
  }

  /**
   * A leader handing over (a leadership transfer in progress: an operator's, or a node draining
   * before an upgrade) refuses proposals until the transferee has taken over or the core gives the
   * transfer up, within an election timeout. An entry proposed meanwhile waits with it, inside
   * its own timeout, and is proposed again: appended here if this node still leads, else refused as
   * NotLeader naming the new leader (a forwarding follower then sends it there). Refused at once,
   * a write would fail for a hand-over the client never asked for.
   */
  private proposeThroughHandover(attempt: () => ProposeResult, what: string, timeoutMs: number, deadline = this.clock.now() + timeoutMs): Promise<{ index: number; result: Result }> {
    const outcome = this.intoCore(attempt);
    const left = deadline - this.clock.now();
    if (outcome.ok || outcome.reason !== 'transferInProgress' || left <= HANDOVER_CHECK_MS) return this.track(outcome, what, Math.max(1, left));
    return new Promise<void>((resolve) => this.clock.after(HANDOVER_CHECK_MS, resolve)).then(() => {
      this.throwIfBroken();
      return this.proposeThroughHandover(attempt, what, timeoutMs, deadline);
    });
  }

  /** Waits for the entry the leader just appended to apply. */
  private track(outcome: ProposeResult, what: string, timeoutMs: number): Promise<{ index: number; result: Result }> {
    if (!outcome.ok) {
      if (outcome.reason === 'notLeader') return Promise.reject(new NotLeaderError(outcome.leader));
      return Promise.reject(new ProposalTimeoutError(`${what} refused: ${outcome.reason}`));
    }
    const { index, term } = outcome;
    // A core that forwards proposals sent it to the leader: it may commit, but not where we can see.
    if (index === 0) return Promise.reject(new ProposalTimeoutError(`${what} was forwarded to the leader; its outcome is not tracked here`));
    return new Promise((resolve, reject) => {
      const cancelTimer = this.clock.after(timeoutMs, () => {
        this.proposals.delete(index);
        reject(new ProposalTimeoutError(`${what} at index ${index} was not committed within ${timeoutMs} ms (no quorum?)`));
      });
      this.proposals.set(index, { term, resolve, reject, cancelTimer });
      this.schedule();
    });
  }

  /**
   * A linearizable read barrier (ReadIndex): resolves with an index once the leader confirmed it
   * still leads and this node has applied up to that index, so local state reflects every write
   * committed before the call.
   */
  readBarrier(timeoutMs: number): Promise<number> {
    this.throwIfBroken();
    const context = (this.options.newReadContext ?? randomUUID)();
    return new Promise((resolve, reject) => {
      const cancelTimer = this.clock.after(timeoutMs, () => {
        this.reads.delete(context);
        reject(new ProposalTimeoutError(`read was not confirmed by a quorum within ${timeoutMs} ms`));
      });
      this.reads.set(context, { resolve, reject, cancelTimer, readIndex: null });
      this.options.rawNode.readIndex(context);
      this.schedule();
    });
  }

  transferLeadership(to: NodeId): void {
    this.options.rawNode.transferLeadership(to);
    this.schedule();
  }

  /** Starts an election now, as an operator forcing one would. */
  campaign(): void {
    if (this.stopped) return;
    this.options.rawNode.campaign();
    this.schedule();
  }

  /** The transport's word on a snapshot sent to `id`: arrived whole, or lost. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    if (this.stopped) return;
    this.options.rawNode.reportSnapshot(id, ok);
    this.schedule();
  }

  reportUnreachable(id: NodeId): void {
    if (this.stopped) return;
    this.options.rawNode.reportUnreachable(id);
  }

  /** The transport's stream from `id` closed: if `id` leads, this node campaigns after a short grace. */
  reportConnectionClosed(id: NodeId): void {
    if (this.stopped) return;
    this.options.rawNode.reportConnectionClosed(id);
    this.schedule();
  }

  /** Coalesces work: many ticks/messages/proposals in one turn of the event loop cost one Ready. */
  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.clock.soon(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.processing || this.fatal) return;
    this.processing = true;
    try {
      while (!this.stopped && this.options.rawNode.hasReady()) {
        await this.handleReady(this.options.rawNode.ready());
      }
    } catch (err) {
      // Storage failed mid-Ready (continuing could acknowledge what is not durable), or a committed
      // entry is one this build cannot apply (a newer release wrote it). Stop loudly.
      this.stopOnFailure(err instanceof Error ? err : new Error(String(err)), 'raft driver stopped: carrying out a Ready failed');
    } finally {
      this.processing = false;
    }
  }

  private stopOnFailure(err: Error, message: string): void {
    if (this.fatal) return;
    this.fatal = err;
    this.options.logger.fatal({ err }, message);
    this.halt();
    this.failWaiters(new ProposalTimeoutError(`the node stopped after a storage failure: ${err.message}`));
    this.emit('fatal', err);
  }

  private async handleReady(rd: Ready): Promise<void> {
    const { probe } = this.options;
    probe?.received?.(rd);
    // 1. Persist, 2. send: only once persisted may messages that depend on it leave — except a
    // leader's, which leave while it writes (replicatesWhilePersisting).
    if (this.replicatesWhilePersisting(rd) || this.options.testingKnobs?.sendBeforeDurable === true) {
      const persisted = this.persist(rd);
      // A crash between the two (the simulator throws from the probe) must not leave it unobserved.
      persisted.catch(() => undefined);
      this.send(rd);
      await persisted;
    } else if (this.appliesWhilePersisting(rd)) {
      const persisted = this.persist(rd);
      persisted.catch(() => undefined);
      for (const entry of rd.committedEntries) this.applyEntry(entry);
      await persisted;
      this.send(rd);
    } else {
      await this.persist(rd);
      this.send(rd);
    }
    if (rd.softState) this.noteSoftState(rd.softState.leader, rd.softState.role);
    if (rd.softState || rd.hardState) this.tellRaftState();
    if (rd.messages.length > 0 && this.listenerCount('votesSent') > 0) {
      const votes = rd.messages.filter((m) => VOTE_MESSAGES.has(m.type));
      if (votes.length > 0) this.emit('votesSent', votes);
    }
    // 3. Apply.
    if (rd.snapshot) this.restoreSnapshot(rd.snapshot);
    for (const entry of rd.committedEntries) this.applyEntry(entry);
    // Applied entries' data may now leave memory (MemoryStorage.spillTo: read back when needed).
    if (rd.committedEntries.length > 0) this.options.memory.releaseApplied(this.appliedIndex);
    for (const rs of rd.readStates) this.confirmRead(rs.context, rs.index);
    this.options.rawNode.advance(rd);
    this.wakeReaders();
    this.installSnapshot();
    this.maybeSnapshot();
    this.watchForIdle(rd);
    this.emit('readyHandled');
  }

  /** commitIdleMs: a leader whose commit moved checks, once that long passed, whether it went idle. */
  private watchForIdle(rd: Ready): void {
    const idleMs = this.options.commitIdleMs;
    if (idleMs === undefined || this.role !== 'leader') return;
    if (rd.entries.length > 0) this.lastEntriesAt = this.clock.now();
    if (rd.committedEntries.length > 0 && !this.idleCheckSet) this.checkIdleAfter(idleMs);
  }

  private checkIdleAfter(ms: number): void {
    this.idleCheckSet = true;
    this.clock.after(ms, () => {
      this.idleCheckSet = false;
      const idleMs = this.options.commitIdleMs as number;
      const quiet = this.clock.now() - this.lastEntriesAt;
      if (this.stopped || this.role !== 'leader') return;
      if (quiet < idleMs) {
        this.checkIdleAfter(idleMs - quiet);
        return;
      }
      this.intoCoreFromTimer(() => this.options.rawNode.tellCommit());
      this.schedule();
    });
  }

  /** Snapshot, then entries and hard state, durably when the core says so. */
  private async persist(rd: Ready): Promise<void> {
    const { memory, durable, probe } = this.options;
    if (rd.snapshot) {
      this.emit('snapshotReceived', { index: rd.snapshot.metadata.index, bytes: rd.snapshot.data.byteLength });
      // The WAL must not mark a snapshot taken here after this newer one.
      await this.snapshots.settled();
      this.installSnapshot();
      await durable.saveSnapshot(rd.snapshot);
      memory.applySnapshot({ metadata: rd.snapshot.metadata, data: DATA_IN_STORAGE });
    }
    if (rd.entries.length > 0 || rd.hardState) {
      await durable.save({ hardState: rd.hardState, entries: rd.entries, sync: rd.mustSync });
      if (rd.entries.length > 0) memory.append(rd.entries);
      if (rd.hardState) memory.setHardState(rd.hardState);
    }
    probe?.persisted?.(rd);
  }

  private send(rd: Ready): void {
    if (rd.messages.length > 0) this.sendMessages(rd.messages);
    this.options.probe?.sent?.(rd);
  }

  /**
   * Whether this Ready's messages may leave while its entries are being written: the leader's
   * parallel log write of Raft thesis §10.2.1, as etcd's server does it. A write then waits for
   * the slower of the leader's fsync and a follower's round trip with its fsync, not their sum.
   *
   * Safe because of what a leader's messages claim. Appends, heartbeats, snapshots, ReadIndex
   * answers and TimeoutNow say "this is my log, at my term"; none says "I hold these entries".
   * - Commitment: the core counts the leader's own copy toward a quorum only at advance(), after
   *   this Ready's entries are durable (Raft.persistedTo); the followers' acknowledgements count
   *   as before, and a follower acknowledges only what it persisted (it never takes this path).
   *   So a commit is still on a quorum of disks, and a leader that crashes before its write lands
   *   loses entries nobody was told are committed.
   * - Log matching: the entries carry the leader's term, which is durable (required below), and a
   *   node leads a term once; a leader that crashes and restarts cannot lead that term again, so
   *   no other entry can ever take the same index and term.
   * - The term and vote: a Ready that changes them (a node that just campaigned and, alone, won)
   *   takes the ordinary path, so no message shows a term the disk may forget.
   * A Ready handed out as leader carries no follower's answers: a node cannot be a follower and
   * then lead within one Ready without a new term, which fails the check below.
   */
  private replicatesWhilePersisting(rd: Ready): boolean {
    if ((rd.softState?.role ?? this.role) !== 'leader' || rd.snapshot || rd.entries.length === 0) return false;
    const durable = this.options.memory.initialState().hardState;
    return rd.hardState === undefined || (rd.hardState.term === durable.term && rd.hardState.vote === durable.vote);
  }

  /**
   * Whether this Ready's committed entries may be applied (and their proposals answered) while its
   * hard state is written: a Ready that only moves the commit index (no entries, snapshot, term
   * or vote), such as the leader's once a write has its quorum. The write is not synced and is
   * not what makes the entries safe to apply: they are committed (on a quorum of disks, counted
   * by the core) and already in this node's log on disk (every earlier Ready's entries were
   * durable before this Ready was taken). Waiting for it only put a write — which can stall for
   * milliseconds behind another process's journal commit — between a write's quorum and its
   * answer (issue #11). A crash before it lands leaves the node as a lost unsynced commit index
   * leaves it, behind what it applied: it replays less at restart and learns the rest from the
   * leader. Membership changes keep the ordinary order: they change the core's configuration.
   */
  private appliesWhilePersisting(rd: Ready): boolean {
    if (rd.entries.length > 0 || rd.snapshot || rd.mustSync || rd.softState || rd.committedEntries.length === 0) return false;
    return rd.committedEntries.every((e) => e.kind === 'normal');
  }

  /** Sends now, except snapshots held without their data: those leave once read back from storage. */
  private sendMessages(messages: readonly Message[]): void {
    const unloaded = (m: Message) => m.snapshot !== undefined && m.snapshot.data === DATA_IN_STORAGE;
    const now = messages.filter((m) => !unloaded(m));
    if (now.length > 0) this.options.send(now);
    for (const m of messages) if (unloaded(m)) void this.sendSnapshot(m);
  }

  /**
   * Read back, a snapshot is the whole state with every small file's bytes (hundreds of MiB at
   * 100,000 files), and Raft asks again every two election timeouts while one seems lost. While a
   * read or a transfer to the same follower is under way, the request is left unanswered, as the
   * transport drops a second snapshot in flight: Raft asks again later if the first never lands.
   */
  private async sendSnapshot(message: Message): Promise<void> {
    const { to } = message;
    if (this.snapshotsReading.has(to) || this.options.snapshotUnderway?.(to) === true) return;
    const metadata = (message.snapshot as Snapshot).metadata;
    let data: Uint8Array;
    this.snapshotsReading.add(to);
    try {
      data = await this.options.durable.loadSnapshot(metadata);
    } catch (err) {
      this.options.logger.warn({ err, to, index: metadata.index }, 'could not read the snapshot back to send it; Raft will send a newer one');
      this.reportSnapshot(to, false);
      return;
    } finally {
      this.snapshotsReading.delete(to);
    }
    if (!this.stopped) this.options.send([{ ...message, snapshot: { metadata, data } }]);
  }

  private tellRaftState(): void {
    const { term, vote } = this.options.memory.initialState().hardState;
    const next: RaftStateChange = { role: this.role, term, leader: this.leader, vote };
    const told = this.told;
    if (told && told.role === next.role && told.term === next.term && told.leader === next.leader && told.vote === next.vote) return;
    this.told = next;
    this.emit('raftState', next);
  }

  private noteSoftState(leader: NodeId, role: Role): void {
    const changed = leader !== this.leader || role !== this.role;
    const newLeader = leader !== this.leader && leader !== 0;
    this.leader = leader;
    this.role = role;
    if (changed) this.emit('leaderChange', { leader, role, term: this.options.rawNode.status().term });
    if (newLeader) this.reissueReads();
  }

  /**
   * A follower's read barrier is a message to its leader; one sent to a leader that died (or lost
   * its term) goes unanswered, and the read would wait out its whole timeout although a new leader
   * was elected at once. Each read not yet confirmed is asked of the new leader; answers to both
   * are harmless, as any read index at least the commit index at the request is linearizable.
   * etcd's server retries its ReadIndex requests for the same reason.
   */
  private reissueReads(): void {
    for (const [context, waiter] of this.reads) {
      if (waiter.readIndex === null) this.options.rawNode.readIndex(context);
    }
  }

  private restoreSnapshot(snapshot: Snapshot): void {
    const { index } = snapshot.metadata;
    if (index <= this.appliedIndex) return;
    this.options.stateMachine.restore(snapshot.data, index);
    this.appliedIndex = index;
    this.snapshotIndex = index;
    this.bytesSinceSnapshot = 0;
    this.emit('snapshotRestored', { index, bytes: snapshot.data.byteLength });
  }

  private applyEntry(entry: Entry): void {
    if (entry.index <= this.appliedIndex) return;
    if (entry.kind === 'confChange' && entry.index > this.skipConfChangesUpTo) this.applyMembership(entry);
    const result = this.options.stateMachine.apply(entry);
    this.appliedIndex = entry.index;
    this.bytesSinceSnapshot += entry.data.byteLength;
    this.lastAppliedAt = this.clock.now();
    const waiter = this.proposals.get(entry.index);
    if (waiter) {
      this.proposals.delete(entry.index);
      if (waiter.term === entry.term) {
        this.settle(waiter, () => waiter.resolve({ index: entry.index, result }));
      } else {
        this.settle(waiter, () =>
          waiter.reject(new ProposalDroppedError(`entry ${entry.index} of term ${waiter.term} was replaced by term ${entry.term}`)),
        );
      }
    }
    this.emit('applied', { index: entry.index });
  }

  private applyMembership(entry: Entry): void {
    const change = decodeConfChange(entry.data);
    const confState = this.options.rawNode.applyConfChange(change);
    this.emit('confChanged', { change, confState });
  }

  /** The restart bugs of DriverTestingKnobs, planted for the simulator to catch. */
  private plantRestartBugs(): void {
    const { memory, testingKnobs: knobs } = this.options;
    if (knobs?.replaySkipsConfChanges === true) this.skipConfChangesUpTo = memory.initialState().hardState.commit;
    if (knobs?.membershipFromLog !== true) return;
    const from = Math.max(this.appliedIndex + 1, memory.firstIndex());
    for (const entry of memory.entries(from, memory.lastIndex() + 1)) {
      if (entry.kind !== 'confChange') continue;
      this.applyMembership(entry);
      this.skipConfChangesUpTo = entry.index;
    }
  }

  private confirmRead(context: string, index: number): void {
    const waiter = this.reads.get(context);
    if (waiter) waiter.readIndex = index;
  }

  private wakeReaders(): void {
    for (const [context, waiter] of this.reads) {
      if (waiter.readIndex !== null && waiter.readIndex <= this.appliedIndex) {
        this.reads.delete(context);
        const index = waiter.readIndex;
        this.settle(waiter, () => waiter.resolve(index));
      }
    }
  }

  /** Starts writing a snapshot of the state as applied so far, beside the Ready loop (background-snapshot.ts). */
  private maybeSnapshot(): void {
    if (this.snapshots.busy || !this.snapshotDue()) return;
    const { memory, stateMachine } = this.options;
    const index = this.appliedIndex;
    const metadata = { index, term: memory.term(index), confState: this.options.rawNode.status().confState };
    const compactTo = Math.max(memory.firstIndex() - 1, index - this.marginBehind(index));
    // What is applied from here on is the next snapshot's.
    this.bytesSinceSnapshot = 0;
    this.snapshots.start(metadata, stateMachine.snapshot(), compactTo);
  }

  /** At a Ready boundary: a snapshot written in the background and now durable goes into the log. */
  private installSnapshot(): void {
    const taken = this.snapshots.install();
    if (taken === null) return;
    this.snapshotIndex = Math.max(this.snapshotIndex, taken.metadata.index);
    this.emit('snapshotTaken', { index: taken.metadata.index, bytes: taken.bytes, at: this.clock.now() });
  }

  private snapshotDue(): boolean {
    const entries = this.appliedIndex - this.snapshotIndex;
    if (entries === 0) return false;
    const bytes = this.options.logBytes?.();
    const idle = this.options.idleSnapshot;
    return (
      entries >= this.options.snapshotThreshold() ||
      (bytes !== undefined && this.bytesSinceSnapshot >= bytes.snapshotAfter) ||
      (idle !== undefined && entries >= idle.minEntries && this.clock.now() - this.lastAppliedAt >= idle.afterMs)
    );
  }

  /** How many entries up to `index` compaction keeps: compactionMargin of them, within marginBytes. */
  private marginBehind(index: number): number {
    const { memory, compactionMargin, logBytes } = this.options;
    const most = Math.min(compactionMargin(), index - memory.firstIndex() + 1);
    const byteBudget = logBytes?.().marginBytes;
    if (byteBudget === undefined) return Math.max(0, most);
    let kept = 0;
    let bytes = 0;
    // By length only: the entries themselves may have left memory (MemoryStorage.releaseApplied).
    for (; kept < most; kept++) {
      bytes += memory.dataBytes(index - kept);
      if (bytes > byteBudget) break;
    }
    return kept;
  }

  private settle<T>(waiter: Waiter<T>, action: () => void): void {
    waiter.cancelTimer();
    action();
  }

  private throwIfBroken(): void {
    if (this.fatal) throw this.fatal;
    if (this.stopped) throw new ProposalTimeoutError('the node is shutting down');
  }
}
