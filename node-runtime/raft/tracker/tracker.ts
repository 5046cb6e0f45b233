// The membership configuration and every member's Progress, plus the votes of an election.

import { jointCommitted, jointVoteResult } from '../quorum';
import type { VoteResult } from '../quorum';
import type { ConfState, NodeId } from '../types';
import type { Progress } from './progress';

export interface TrackerConfig {
  readonly incoming: Set<NodeId>;
  /** The previous voters while joint, empty otherwise. */
  readonly outgoing: Set<NodeId>;
  readonly learners: Set<NodeId>;
  /** Voters of `outgoing` being demoted to learners; they become learners when the joint config is left. */
  readonly learnersNext: Set<NodeId>;
  autoLeave: boolean;
}

export function emptyTrackerConfig(): TrackerConfig {
  return { incoming: new Set(), outgoing: new Set(), learners: new Set(), learnersNext: new Set(), autoLeave: false };
}

export function cloneTrackerConfig(c: TrackerConfig): TrackerConfig {
  return {
    incoming: new Set(c.incoming),
    outgoing: new Set(c.outgoing),
    learners: new Set(c.learners),
    learnersNext: new Set(c.learnersNext),
    autoLeave: c.autoLeave,
  };
}

const sorted = (ids: Iterable<NodeId>): NodeId[] => [...ids].sort((a, b) => a - b);

export class ProgressTracker {
  config: TrackerConfig = emptyTrackerConfig();
  progress = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();

  confState(): ConfState {
    return {
      voters: sorted(this.config.incoming),
      learners: sorted(this.config.learners),
      votersOutgoing: sorted(this.config.outgoing),
      learnersNext: sorted(this.config.learnersNext),
      autoLeave: this.config.autoLeave,
    };
  }

  isJoint(): boolean {
    return this.config.outgoing.size > 0;
  }

  isVoter(id: NodeId): boolean {
    return this.config.incoming.has(id) || this.config.outgoing.has(id);
  }

  /** Voters of both halves, ascending. */
  voterIds(): NodeId[] {
    return sorted(new Set([...this.config.incoming, ...this.config.outgoing]));
  }

  /** Every tracked node, ascending, so iteration order never depends on insertion history. */
  ids(): NodeId[] {
    return sorted(this.progress.keys());
  }

  isSingleton(): boolean {
    return this.config.incoming.size === 1 && this.config.outgoing.size === 0;
  }

  /** The highest index replicated on a quorum of voters. */
  committed(): number {
    return jointCommitted(this.config, (id) => this.progress.get(id)?.match ?? 0);
  }

  /** Whether a quorum of voters was heard from recently (CheckQuorum). */
  quorumActive(): boolean {
    const active = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) if (!pr.isLearner) active.set(id, pr.recentActive);
    return jointVoteResult(this.config, active) === 'won';
  }

  resetVotes(): void {
    this.votes = new Map();
  }

  /** Records a vote; only the first answer from each node counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const [id, v] of this.votes) {
      if (!this.isVoter(id)) continue;
      if (v) granted++;
      else rejected++;
    }
    return { granted, rejected, result: jointVoteResult(this.config, this.votes) };
  }
}
