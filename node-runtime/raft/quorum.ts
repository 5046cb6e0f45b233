// Majority arithmetic, for one voter set and for a joint configuration (two sets that must both
// agree). An empty voter set agrees with anything, so a non-joint config is a joint one with an
// empty outgoing half.

import type { NodeId } from './types';

export type VoteResult = 'pending' | 'lost' | 'won';

export interface JointVoters {
  readonly incoming: ReadonlySet<NodeId>;
  readonly outgoing: ReadonlySet<NodeId>;
}

/** The highest index stored on a majority of `voters`, given each voter's match index. */
export function majorityCommitted(voters: ReadonlySet<NodeId>, matchOf: (id: NodeId) => number): number {
  if (voters.size === 0) return Number.POSITIVE_INFINITY;
  const matches: number[] = [];
  for (const id of voters) matches.push(matchOf(id));
  matches.sort((a, b) => b - a);
  return matches[Math.floor(voters.size / 2)] as number;
}

export function majorityVoteResult(voters: ReadonlySet<NodeId>, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.size === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const quorum = Math.floor(voters.size / 2) + 1;
  if (granted >= quorum) return 'won';
  if (granted + missing >= quorum) return 'pending';
  return 'lost';
}

export function jointCommitted(voters: JointVoters, matchOf: (id: NodeId) => number): number {
  return Math.min(majorityCommitted(voters.incoming, matchOf), majorityCommitted(voters.outgoing, matchOf));
}

export function jointVoteResult(voters: JointVoters, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const a = majorityVoteResult(voters.incoming, votes);
  const b = majorityVoteResult(voters.outgoing, votes);
  if (a === b) return a;
  if (a === 'lost' || b === 'lost') return 'lost';
  return 'pending';
}
