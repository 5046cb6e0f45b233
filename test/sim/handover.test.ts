// A leader handing its leadership over (a transfer in progress) takes no proposals until the
// transfer ends. On the production driver a write that meets the hand-over waits for that end
// instead of failing: here the transferee never hears the leader, so the core gives the transfer
// up after an election timeout, and the waiting write then commits at the same leader.

import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../node-runtime/raft/index';
import { ELECTION_TIME, IDS, threeNodeCluster as newCluster } from './three-nodes';

const WRITE = { proposalId: 4242, key: 1 };

describe('a write that meets a leadership transfer', () => {
  it('waits for the transfer to be given up and then commits at the same leader, on every seed', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const cluster = newCluster(seed);
      const appliedOn = new Set<NodeId>();
      cluster.listeners = { ...cluster.listeners, applied: (node, cmd) => cmd.proposalId === WRITE.proposalId && appliedOn.add(node) };
      await cluster.run(20 * ELECTION_TIME, () => cluster.leader() !== undefined);
      const leader = cluster.leader();
      if (leader === undefined) throw new Error(`seed ${seed}: no leader`);
      const [transferee, other] = IDS.filter((id) => id !== leader.id) as [NodeId, NodeId];
      // The transferee never hears from the leader, so it can never catch up and take over.
      cluster.network.cutLink(leader.id, transferee);
      leader.transferLeadership(transferee);
      expect(leader.status()?.leadTransferee, `seed ${seed}`).toBe(transferee);
      const { term } = leader;

      leader.propose(WRITE);
      await cluster.run(cluster.now() + ELECTION_TIME / 2);
      expect(appliedOn.size, `seed ${seed}: applied during the hand-over`).toBe(0);
      await cluster.run(cluster.now() + 4 * ELECTION_TIME, () => appliedOn.has(leader.id) && appliedOn.has(other));

      expect([...appliedOn].sort(), `seed ${seed}`).toEqual([leader.id, other].sort());
      expect(leader.status(), `seed ${seed}`).toMatchObject({ leader: leader.id, term, leadTransferee: 0 });
    }
  });
});
