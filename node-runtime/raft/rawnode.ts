// The driving API (etcd's RawNode): the driver feeds time, messages and requests in, then
// collects a Ready, persists it, sends its messages, applies its committed entries and calls
// advance(). The persistence half of that contract is checked in advance().

import { encodeConfChange } from './codec';
import { invariant } from './errors';
import { Raft } from './raft';
import type { SoftState } from './raft';
import type { BasicStatus, ConfChange, ConfState, HardState, Message, NodeId, ProposeResult, RaftConfig, ReadIndexResult, Ready, Status } from './types';

export interface RawNodeConfig extends RaftConfig {
  /** Answer proposals on a follower with `notLeader` instead of forwarding them to the leader. */
  readonly disableProposalForwarding?: boolean;
}

const sameHardState = (a: HardState, b: HardState): boolean => a.term === b.term && a.vote === b.vote && a.commit === b.commit;

export class RawNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  /** The Ready handed out and not yet advanced. */
  private outstanding: Ready | undefined;

  /**
   * Starts (or restarts) a node from `config.storage`: its hard state, membership and log. A new
   * cluster's storage holds the initial voters (MemoryStorage.withVoters); a node joining an
   * existing cluster starts with an empty membership and learns it from the leader.
   */
  constructor(config: RawNodeConfig) {
    this.raft = new Raft(config);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances logical time by one tick (election and heartbeat timeouts count ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (a pre-election first when PreVote is on). */
  /** Live configuration: new election and heartbeat timeouts, in ticks (election > heartbeat > 0). */
  setTimeouts(electionTicks: number, heartbeatTicks: number): void {
    this.raft.setTimeouts(electionTicks, heartbeatTicks);
  }

  campaign(): void {
    this.raft.startElection();
  }

  /**
   * Proposes `data` for the log. `ok` means accepted for replication (appended by the leader, or
   * forwarded to it), not committed: a forwarded proposal can still be lost.
   */
  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose([{ kind: 'normal', data }]);
  }

  /**
   * On a follower: sends `data` to the leader as a proposal, even with disableProposalForwarding
   * (Raft.relayProposal). Returns the leader it went to, or NONE (0) when none is known here.
   */
  relayProposal(data: Uint8Array): NodeId {
    return this.raft.relayProposal([{ kind: 'normal', data }]);
  }

  /** Proposes a membership change; at most one may be pending (proposed but not applied). */
  proposeConfChange(cc: ConfChange): ProposeResult {
    return this.raft.propose([{ kind: 'confChange', data: encodeConfChange(cc) }]);
  }

  /**
   * Applies a committed membership change. The driver calls it, in log order, for each committed
   * entry of kind 'confChange' (decodeConfChange(entry.data)); the result goes into snapshots.
   */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Delivers a message from a peer. */
  step(m: Message): void {
    this.raft.step(m);
  }

  /**
   * Requests a linearizable read. When it is safe, a ReadState with this context arrives in a
   * Ready; serve the read once the state machine has applied up to its index.
   */
  readIndex(context: string): ReadIndexResult {
    return this.raft.readIndex(context);
  }

  /** Asks the leader to hand leadership to `transferee` once it has caught up. */
  transferLeadership(transferee: NodeId): void {
    this.raft.transferLeadership(transferee);
  }

  /** The transport could not reach `id`: stop pipelining to it until it answers again. */
  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  /** The transport's stream from `id` closed (EOF or RST); a follower of `id` campaigns soon. */
  reportConnectionClosed(id: NodeId): void {
    this.raft.reportConnectionClosed(id);
  }

  /** Outcome of sending a snapshot to `id`: `ok` when the transport delivered it. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.reportSnapshot(id, ok);
  }

  /**
   * With lazyCommitBroadcast: tells every follower not yet told the current commit index now, in
   * an empty append each, as the next tick would. For a driver whose leader has gone idle: no
   * append is coming that would carry it, and its followers' local reads lag until one does.
   */
  tellCommit(): void {
    this.raft.sendOwedCommits();
  }

  hasReady(): boolean {
    const r = this.raft;
    const soft = r.softState();
    return (
      r.hasPendingBroadcast() ||
      soft.leader !== this.prevSoft.leader ||
      soft.role !== this.prevSoft.role ||
      !sameHardState(r.hardState(), this.prevHard) ||
      r.log.hasPendingSnapshot() ||
      r.log.unstable.entries.length > 0 ||
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasNextCommittedEntries()
    );
  }

  /** Collects the next batch of work. Must be followed by advance() before the next call. */
  ready(): Ready {
    invariant(this.outstanding === undefined, 'ready() called again before advance()', { nodeId: this.id });
    const r = this.raft;
    r.flushBroadcast();
    const soft = r.softState();
    const hard = r.hardState();
    const softChanged = soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role;
    const hardChanged = !sameHardState(hard, this.prevHard);
    const entries = r.log.unstableEntries();
    const snapshot = r.log.unstable.snapshot;
    const committedEntries = r.log.nextCommittedEntries();
    const rd: Ready = {
      ...(softChanged ? { softState: soft } : {}),
      ...(hardChanged ? { hardState: hard } : {}),
      entries,
      ...(snapshot === undefined ? {} : { snapshot }),
      committedEntries,
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: entries.length > 0 || snapshot !== undefined || hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote,
    };
    const lastCommitted = committedEntries[committedEntries.length - 1];
    invariant(lastCommitted === undefined || lastCommitted.index <= r.log.committed, 'handing out uncommitted entries to apply', {
      nodeId: this.id,
      term: r.term,
      index: lastCommitted?.index,
      committed: r.log.committed,
    });
    if (lastCommitted !== undefined) r.log.applyingTo(lastCommitted.index);
    r.msgs = [];
    r.readStates = [];
    this.prevSoft = soft;
    this.outstanding = rd;
    return rd;
  }

  /**
   * The driver persisted, sent and applied the last Ready (optionally passed back). Checks that
   * what it had to persist is readable from storage: a driver that skips persistence would
   * otherwise corrupt the cluster.
   */
  advance(handled?: Ready): void {
    const rd = this.outstanding;
    invariant(rd !== undefined, 'advance() without an outstanding ready()', { nodeId: this.id });
    invariant(handled === undefined || handled === rd, 'advance() given a Ready other than the last one handed out', { nodeId: this.id });
    this.outstanding = undefined;
    const r = this.raft;
    const storage = r.log.storage;
    if (rd.snapshot !== undefined) {
      invariant(storage.firstIndex() - 1 >= rd.snapshot.metadata.index, 'Ready.snapshot was not persisted before advance()', {
        nodeId: this.id,
        index: rd.snapshot.metadata.index,
      });
      r.log.stableSnapTo(rd.snapshot.metadata.index);
      r.log.appliedTo(rd.snapshot.metadata.index);
    }
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) {
      // The driver may already have compacted past it (it applies before advancing).
      const persisted =
        storage.lastIndex() >= last.index && (last.index < storage.firstIndex() - 1 || storage.term(last.index) === last.term);
      invariant(persisted, 'Ready.entries were not persisted before advance()', {
        nodeId: this.id,
        term: last.term,
        index: last.index,
        storageLastIndex: storage.lastIndex(),
      });
      r.log.stableTo(last.index, last.term);
      r.persistedTo(last.index, last.term);
    }
    if (rd.hardState !== undefined) {
      const stored = storage.initialState().hardState;
      invariant(sameHardState(stored, rd.hardState), 'Ready.hardState was not persisted before advance()', {
        nodeId: this.id,
        term: rd.hardState.term,
        expected: rd.hardState,
        stored,
      });
      this.prevHard = rd.hardState;
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied !== undefined) r.log.appliedTo(lastApplied.index);
    r.afterApplied();
  }

  status(): Status {
    return this.raft.status();
  }

  /** status() without the leader's progress of each member (etcd's BasicStatus). */
  basicStatus(): BasicStatus {
    return this.raft.basicStatus();
  }
}
