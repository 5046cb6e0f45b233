// Failover in the simulator, on the production driver and core: a leader killed outright (its
// peers see their connections close) is replaced within a fraction of an election timeout, one
// that falls silent still takes a full one; pausing a follower changes no term; and a paused
// leader that wakes up steps down without disturbing the leader elected meanwhile.

import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../node-runtime/raft/index';
import type { Cluster } from './cluster';
import { TICK } from './scenario';
import { ELECTION_TIME, IDS, threeNodeCluster as newCluster } from './three-nodes';

/** Runs until a leader other than `not` leads (every running node agreeing), or fails after `limit`. */
async function nextLeader(cluster: Cluster, limit: number, not?: NodeId): Promise<{ id: NodeId; term: number; at: number }> {
  const agreed = (): boolean => {
    const leader = cluster.leader();
    return leader !== undefined && leader.id !== not && cluster.upNodes().every((n) => n.isPaused || n.status()?.leader === leader.id);
  };
  await cluster.run(cluster.now() + limit, agreed);
  const leader = cluster.leader();
  if (!agreed() || leader === undefined) throw new Error(`no new leader within ${limit}`);
  return { id: leader.id, term: leader.term, at: cluster.now() };
}

/** Kills the leader; with `closes`, its peers see their connections from it end. Time to a new leader. */
async function failoverTime(seed: number, closes: boolean): Promise<number> {
  const cluster = newCluster(seed);
  const first = await nextLeader(cluster, 20 * ELECTION_TIME);
  // Settle: every follower heard a heartbeat, so every one is inside the leader's lease.
  await cluster.run(cluster.now() + 3 * TICK);
  const killedAt = cluster.now();
  cluster.node(first.id).crash();
  if (closes) for (const id of IDS) if (id !== first.id) cluster.network.closeConnection(first.id, id);
  const next = await nextLeader(cluster, 20 * ELECTION_TIME, first.id);
  return next.at - killedAt;
}

describe('a leader killed outright', () => {
  it('is replaced within a heartbeat and half an election timeout when its connections close, and within one or two timeouts when it falls silent', async () => {
    const fast: number[] = [];
    const silent: number[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      fast.push(await failoverTime(seed, true));
      silent.push(await failoverTime(seed, false));
    }
    // Grace of two to four ticks (staggered by rank), a pre-vote and a vote round trip, the
    // heartbeat that spreads the news; a split vote (rare) costs a full timeout.
    const quick = fast.filter((t) => t < ELECTION_TIME);
    expect(quick.length, `fast: ${fast.join(' ')}`).toBeGreaterThanOrEqual(25);
    for (const t of silent) expect(t, `silent: ${silent.join(' ')}`).toBeGreaterThanOrEqual(ELECTION_TIME);
  });
});

describe('a paused process (SIGSTOP … SIGCONT)', () => {
  it('a follower paused for 30 election timeouts changes no term', async () => {
    const cluster = newCluster(7);
    const leader = await nextLeader(cluster, 20 * ELECTION_TIME);
    const follower = IDS.find((id) => id !== leader.id) as NodeId;
    cluster.node(follower).pause(30 * ELECTION_TIME);
    await cluster.run(cluster.now() + 40 * ELECTION_TIME);
    for (const id of IDS) expect(cluster.node(id).status()).toMatchObject({ term: leader.term, leader: leader.id });
    expect(cluster.events.leaderElected).toBe(1);
  });

  it('a leader paused for long is replaced, and on waking steps down without deposing the new leader', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const cluster = newCluster(seed);
      const old = await nextLeader(cluster, 20 * ELECTION_TIME);
      cluster.node(old.id).pause(10 * ELECTION_TIME);
      const next = await nextLeader(cluster, 9 * ELECTION_TIME, old.id);
      await cluster.run(cluster.now() + 10 * ELECTION_TIME);
      for (const id of IDS) expect(cluster.node(id).status(), `seed ${seed}, node ${id}`).toMatchObject({ term: next.term, leader: next.id });
    }
  });
});
