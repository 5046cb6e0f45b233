// The node's events as they happen (common/node-events.ts): role and term changes and votes
// straight from the Raft driver, commit/apply/match progress coalesced, snapshots, and catch-up
// progress when it moves. Listeners are the IPC channel to a supervising manager and each
// `GET /events` stream.
import type { NodeEvent, NodeEventBody } from '../common/node-events';
import { PROGRESS_INTERVAL_MS } from '../common/node-events';
import type { RecoveryStatus } from '../common/api-types';
import type { ApplyResult } from '../fsm';
import type { Clock } from '../ports';
import type { RaftDriver, RaftStateChange } from '../node/raft-driver';
import type { Message } from '../raft/types';

export interface EventFeedSources {
  readonly id: number;
  readonly driver: RaftDriver<ApplyResult>;
  /** Index of the newest snapshot the log was compacted to. */
  readonly snapshotIndex: () => number;
  readonly recovery: () => RecoveryStatus;
  readonly clock: Clock;
}

/** How often catch-up progress is looked at (it moves with chunk fetches, not with Raft). */
const CATCH_UP_CHECK_MS = 250;

type Listener = (event: NodeEvent) => void;

export class NodeEventFeed {
  private readonly listeners = new Set<Listener>();
  /** Called at stop, so open streams end and the HTTP server can close without waiting on them. */
  private readonly enders = new Map<Listener, () => void>();
  private readonly runStartedAt: number;
  private seq = 0;
  private progressDue = false;
  private lastProgress = '';
  private lastCatchUp = '';
  private readonly stops: (() => void)[] = [];

  constructor(private readonly sources: EventFeedSources) {
    this.runStartedAt = sources.clock.now();
  }

  /** Starts listening to the driver; call before the driver starts, so the first role is seen. */
  start(): void {
    const { driver, clock } = this.sources;
    const onState = (change: RaftStateChange) => this.onRaftState(change);
    const onVotes = (messages: readonly Message[]) => this.onVotes(messages);
    const onReady = () => this.scheduleProgress();
    const onSnapshot = (phase: 'taken' | 'received' | 'restored') => ({ index, bytes }: { index: number; bytes: number }) =>
      this.push({ type: 'snapshot', phase, index, bytes });
    const taken = onSnapshot('taken');
    const received = onSnapshot('received');
    const restored = onSnapshot('restored');
    driver.on('raftState', onState).on('votesSent', onVotes).on('readyHandled', onReady);
    driver.on('snapshotTaken', taken).on('snapshotReceived', received).on('snapshotRestored', restored);
    this.stops.push(() => {
      driver.off('raftState', onState).off('votesSent', onVotes).off('readyHandled', onReady);
      driver.off('snapshotTaken', taken).off('snapshotReceived', received).off('snapshotRestored', restored);
    });
    this.stops.push(clock.every(CATCH_UP_CHECK_MS, () => this.checkCatchUp()));
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    const enders = [...this.enders.values()];
    this.listeners.clear();
    this.enders.clear();
    for (const end of enders) end();
  }

  /**
   * Calls `listener` with every event from now on, starting with the node's current role and
   * progress; `onEnd` once the node stops.
   */
  subscribe(listener: Listener, onEnd?: () => void): () => void {
    this.listeners.add(listener);
    if (onEnd) this.enders.set(listener, onEnd);
    const status = this.sources.driver.status();
    listener(this.stamp({ type: 'role', role: status.role, term: status.term, leaderId: status.leader || null, votedFor: status.vote || null }));
    listener(this.stamp(this.progressBody()));
    return () => {
      this.listeners.delete(listener);
      this.enders.delete(listener);
    };
  }

  private push(body: NodeEventBody): void {
    if (this.listeners.size === 0) return;
    const event = this.stamp(body);
    for (const listener of this.listeners) listener(event);
  }

  private stamp(body: NodeEventBody): NodeEvent {
    this.seq += 1;
    return { ...body, node: this.sources.id, seq: this.seq, runStartedAt: this.runStartedAt, time: this.sources.clock.now() } as NodeEvent;
  }

  private onRaftState({ role, term, leader, vote }: RaftStateChange): void {
    this.push({ type: 'role', role, term, leaderId: leader || null, votedFor: vote || null });
  }

  private onVotes(messages: readonly Message[]): void {
    for (const m of messages) {
      const preVote = m.type === 'preVote' || m.type === 'preVoteResp';
      if (m.type === 'vote' || m.type === 'preVote') this.push({ type: 'voteRequested', term: m.term, to: m.to, preVote });
      else if (!m.reject) this.push({ type: 'voteGranted', term: m.term, to: m.to, preVote });
    }
  }

  /** At most one progress event per interval, sent only when something in it moved. */
  private scheduleProgress(): void {
    if (this.progressDue || this.listeners.size === 0) return;
    this.progressDue = true;
    this.sources.clock.after(PROGRESS_INTERVAL_MS, () => {
      this.progressDue = false;
      const body = this.progressBody();
      const key = JSON.stringify(body);
      if (key === this.lastProgress) return;
      this.lastProgress = key;
      this.push(body);
    });
  }

  private progressBody(): NodeEventBody {
    const { driver } = this.sources;
    const status = driver.status();
    const peers = Object.entries(status.progress ?? {})
      .map(([id, p]) => ({ id: Number(id), match: p.match, state: p.state }))
      .filter((p) => p.id !== this.sources.id)
      .sort((a, b) => a.id - b.id);
    return {
      type: 'progress',
      term: status.term,
      commitIndex: status.commit,
      appliedIndex: driver.applied,
      lastIndex: status.lastIndex,
      snapshotIndex: this.sources.snapshotIndex(),
      peers,
    };
  }

  private checkCatchUp(): void {
    if (this.listeners.size === 0) return;
    const { catchingUp, entriesBehind, chunksMissing, chunksFetched, bytesFetched } = this.sources.recovery();
    const body: NodeEventBody = { type: 'catchUp', catchingUp, entriesBehind, chunksMissing, chunksFetched, bytesFetched };
    const key = JSON.stringify(body);
    if (key === this.lastCatchUp) return;
    this.lastCatchUp = key;
    this.push(body);
  }
}
