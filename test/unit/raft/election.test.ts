// §5.1 terms and §5.2 leader election (Figure 2, RequestVote).
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../node-runtime/raft/types';
import { RaftInvariantError } from '../../../node-runtime/raft/errors';
import { ELECTION_TICKS, Network } from './network';

describe('§5.2 leader election', () => {
  it('a node that hears from no leader for an election timeout campaigns and wins a majority', () => {
    const net = new Network([1, 2, 3]);
    // Randomized timeouts lie in [T, 2T): after 2T ticks someone has campaigned and won.
    net.tickAll(2 * ELECTION_TICKS);
    const leaders = net.leaders();
    expect(leaders).toHaveLength(1);
    const leader = leaders[0] as number;
    for (const id of [1, 2, 3]) {
      expect(net.status(id).leader).toBe(leader);
      expect(net.status(id).term).toBe(net.status(leader).term);
    }
  });

  it('election timeouts are randomized per node from the injected generator', () => {
    const net = new Network([1, 2, 3]);
    const firstCampaign = new Map<number, number>();
    for (let t = 1; t <= 2 * ELECTION_TICKS; t++) {
      for (const id of [1, 2, 3]) {
        net.tick(id);
        if (!firstCampaign.has(id) && net.status(id).role !== 'follower') firstCampaign.set(id, t);
      }
      // Nothing is delivered: every node times out on its own schedule.
      net.takeMessages();
    }
    const ticks = [...firstCampaign.values()];
    expect(ticks).toHaveLength(3);
    for (const t of ticks) expect(t).toBeGreaterThanOrEqual(ELECTION_TICKS);
    for (const t of ticks) expect(t).toBeLessThan(2 * ELECTION_TICKS);
    expect(new Set(ticks).size).toBeGreaterThan(1);
  });

  it('a candidate becomes leader once a majority grants its vote, and says so in a new term', () => {
    const net = new Network([1, 2, 3, 4, 5]);
    net.crash(4);
    net.crash(5);
    net.elect(1);
    expect(net.status(1)).toMatchObject({ role: 'leader', term: 1, leader: 1 });
  });

  it('a candidate without a majority does not become leader', () => {
    const net = new Network([1, 2, 3, 4, 5]);
    net.crash(3);
    net.crash(4);
    net.crash(5);
    net.elect(1);
    expect(net.status(1).role).toBe('candidate');
  });

  it('a node grants at most one vote per term (first come, first served)', () => {
    const net = new Network([1, 2, 3]);
    net.raw(1).campaign();
    net.raw(2).campaign();
    const votes = net.takeMessages();
    // Node 3 hears node 1 first, then node 2, in the same term 1.
    for (const m of votes.filter((x) => x.to === 3)) net.deliver(m);
    const answers = net.takeMessages().filter((m) => m.from === 3 && m.type === 'voteResp');
    expect(answers.map((m) => [m.to, m.reject])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(net.status(3).vote).toBe(1);
  });

  it('a split vote is resolved by a new election in a later term', () => {
    const net = new Network([1, 2, 3, 4]);
    net.raw(1).campaign();
    net.raw(2).campaign();
    const requests = net.takeMessages();
    // Node 3 hears node 1 first, node 4 hears node 2 first: two votes each, three needed.
    const order = [...requests.filter((m) => m.to === 3 && m.from === 1), ...requests.filter((m) => m.to === 4 && m.from === 2), ...requests];
    for (const m of order) net.deliver(m);
    net.stabilize();
    expect(net.leaders()).toEqual([]);
    net.tickAll(4 * ELECTION_TICKS);
    expect(net.leaders()).toHaveLength(1);
    expect(net.status(net.leaders()[0] as number).term).toBeGreaterThan(1);
  });

  it('a vote request from an older term is refused with the newer term (§5.1), and the candidate adopts it', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    net.elect(2);
    net.heal();
    // Node 1 is still leader of term 1 and knows nothing better; node 3 is in term 2.
    net.node(3).raw.step({ type: 'vote', from: 1, to: 3, term: 1, logTerm: 1, index: 9, entries: [], commit: 0, reject: false, rejectHint: 0 });
    const replies = net.takeMessages().filter((m) => m.from === 3 && m.to === 1);
    expect(replies).toMatchObject([{ type: 'voteResp', term: 2, reject: true }]);
    // The refusal changes nothing on the voter...
    expect(net.status(3)).toMatchObject({ term: 2, vote: 2 });
    // ...and moves the stale node to the newer term, where it no longer leads.
    net.node(1).raw.step(replies[0] as Message);
    expect(net.status(1)).toMatchObject({ term: 2, role: 'follower' });
  });

  it('a candidate with a stale log gets no vote (§5.4.1 election restriction)', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'a');
    net.heal();
    net.raw(3).campaign();
    const requests = net.takeMessages();
    for (const m of requests) net.deliver(m);
    const answers = net.takeMessages().filter((m) => m.type === 'voteResp' && m.to === 3);
    expect(answers).toHaveLength(2);
    for (const m of answers) expect(m.reject).toBe(true);
    net.stabilize();
    expect(net.status(3).role).not.toBe('leader');
  });

  it('refusing a vote does not restart the election timer: a stale candidate cannot hold off an electable node', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'a');
    net.heal();
    net.crash(1);
    // Node 3 (stale log, no chance of winning) campaigns every half election timeout, each time
    // in a higher term. Node 2 refuses it; only a granted vote or a leader restarts its timer, so
    // within its randomized timeout [T, 2T) node 2 campaigns itself and wins with node 3's vote.
    let ticks = 0;
    for (; ticks < 4 * ELECTION_TICKS && net.leaders().length === 0; ticks++) {
      if (ticks % (ELECTION_TICKS / 2) === 0) net.raw(3).campaign();
      net.tick(2);
      net.stabilize();
    }
    expect(net.sent.some((m) => m.from === 2 && m.type === 'voteResp' && m.reject)).toBe(true);
    expect(net.leaders()).toEqual([2]);
    expect(ticks).toBeLessThanOrEqual(2 * ELECTION_TICKS);
  });

  it('a node that sees a higher term becomes a follower of that term (§5.1)', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    net.elect(2);
    expect(net.status(2)).toMatchObject({ role: 'leader', term: 2 });
    expect(net.status(1)).toMatchObject({ role: 'leader', term: 1 });
    net.heal();
    net.tickAll(1);
    expect(net.status(1)).toMatchObject({ role: 'follower', term: 2, leader: 2 });
    expect(net.leaders()).toEqual([2]);
  });

  it('a candidate that receives an append from a leader of its term steps down', () => {
    const net = new Network([1, 2, 3]);
    net.raw(1).campaign();
    net.raw(3).campaign();
    // Both campaign in term 1; node 3's requests are lost, node 2 votes for node 1.
    for (const m of net.takeMessages()) if (m.from === 1) net.deliver(m);
    expect(net.status(3)).toMatchObject({ role: 'candidate', term: 1 });
    net.stabilize();
    expect(net.status(1)).toMatchObject({ role: 'leader', term: 1 });
    expect(net.status(3)).toMatchObject({ role: 'follower', term: 1, leader: 1 });
  });

  it('a leader keeps its followers quiet with heartbeats', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.tickAll(10 * ELECTION_TICKS);
    expect(net.leaders()).toEqual([1]);
    expect(net.status(2).term).toBe(1);
    expect(net.sent.filter((m) => m.type === 'heartbeat').length).toBeGreaterThan(0);
  });

  it('a learner never campaigns', () => {
    const net = new Network([1, 2, 3], {}, [3]);
    net.tick(3, 5 * ELECTION_TICKS);
    expect(net.takeMessages().filter((m) => m.from === 3)).toEqual([]);
    expect(net.status(3).role).toBe('follower');
  });

  it('config without a real id or with heartbeat >= election timeout is refused', () => {
    expect(() => new Network([0])).toThrow(RaftInvariantError);
    expect(() => new Network([1], { heartbeatTicks: 10, electionTicks: 10 })).toThrow(RaftInvariantError);
  });
});
