// A three-voter cluster on calm links and the production raft settings (pre-vote, check quorum,
// lazy commit broadcast), for the simulator tests that script one scenario by hand.

import type { NodeId } from '../../node-runtime/raft/index';
import { Cluster } from './cluster';
import { Prng } from './prng';
import { TICK } from './scenario';

export const ELECTION_TICKS = 10;
export const ELECTION_TIME = ELECTION_TICKS * TICK;
export const IDS: readonly NodeId[] = [1, 2, 3];

export function threeNodeCluster(seed: number): Cluster {
  return new Cluster(
    {
      nodeIds: IDS,
      initialVoters: IDS,
      raft: { electionTicks: ELECTION_TICKS, heartbeatTicks: 1, preVote: true, checkQuorum: true, maxInflightMsgs: 256, maxSizePerMsg: 1 << 20, maxInflightBytes: 8 << 20, forwardProposals: true, lazyCommitBroadcast: true },
      tickInterval: TICK,
      clockSkew: 1,
      links: { minLatency: 1, maxLatency: 3, dropRate: 0, duplicateRate: 0 },
      readyDelayMax: 0,
    },
    new Prng(seed),
  );
}
