// The leader's view of one follower (etcd's Progress). The state decides how appends flow:
//  - probe: one append at a time until the follower's match index is found;
//  - replicate: optimistic pipelining, bounded by the inflight window;
//  - snapshot: a snapshot is on its way; nothing else is sent until it lands or fails.

import { invariant } from '../errors';
import { Inflights, type InflightLimits } from './inflights';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  state: ProgressState = 'probe';
  /** Index of the snapshot in flight (snapshot state only). */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** In probe state: an append is out and unanswered, so wait (a heartbeat response clears it). */
  probeSent = false;
  /** Ticks since the leader last heard from this node; ticks spent waiting in snapshot state. */
  ticksSinceContact = 0;
  ticksInSnapshot = 0;
  /** The match index when the previous heartbeat response arrived (stall detection). */
  matchAtLastHeartbeat = -1;
  /** The commit index last told this node (by an append, or a heartbeat it holds the log for). */
  commitSent = 0;
  /**
   * The last entry this node relayed to the leader as a proposal (RawNode.relayProposal), whose
   * client it answers once it applies it: the commit index reaches it at once, not lazily.
   */
  relayedUpTo = 0;
  readonly inflights: Inflights;

  constructor(
    public next: number,
    limits: InflightLimits,
    public isLearner: boolean,
  ) {
    this.inflights = new Inflights(limits);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.ticksInSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      // The snapshot landed (or we assume so): resume right after it.
      const snapshotIndex = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, snapshotIndex + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** Sending the snapshot failed: probe again from the match index. */
  snapshotFailed(): void {
    this.pendingSnapshot = 0;
    this.becomeProbe();
  }

  /**
   * The follower reports holding only up to `lastIndex`, below what it acknowledged before: it
   * lost its log. Match moves back (the one case it may) and replication restarts from there.
   */
  resetAfterLogLoss(lastIndex: number): void {
    this.match = lastIndex;
    this.resetState('probe');
    this.next = lastIndex + 1;
  }

  /** The follower acknowledged entries up to `n`; returns whether match advanced. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** Records that an append carrying entries up to `last` was sent. */
  sentEntries(count: number, last: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = last + 1;
        this.inflights.add(last, bytes);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    } else {
      invariant(false, 'append sent in snapshot state', { index: last });
    }
  }

  /**
   * The follower rejected an append at `rejected`, hinting that its log can only match up to
   * `matchHint`. Returns false when the rejection is stale (already superseded).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  clone(): Progress {
    const p = new Progress(this.next, this.inflights.limits, this.isLearner);
    Object.assign(p, { ...this, inflights: this.inflights });
    return p;
  }
}
