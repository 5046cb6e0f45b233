// PreVote and CheckQuorum (Raft thesis §9.6): a node cut off from the cluster must not disrupt it
// on return, and a leader cut off from the cluster must notice and step down.
import { describe, expect, it } from 'vitest';
import { ELECTION_TICKS, Network } from './network';

describe('PreVote', () => {
  it('a partitioned node rejoining does not disrupt the leader (term unchanged)', () => {
    const net = new Network([1, 2, 3], { preVote: true });
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'while-away');
    net.tickAll(5 * ELECTION_TICKS);
    // Pre-elections fail without a quorum, so the isolated node never moves to a new term.
    expect(net.status(3).term).toBe(1);
    expect(net.sent.some((m) => m.from === 3 && m.type === 'preVote')).toBe(true);
    expect(net.sent.some((m) => m.from === 3 && m.type === 'vote')).toBe(false);
    net.heal();
    net.tickAll(5 * ELECTION_TICKS);
    expect(net.leaders()).toEqual([1]);
    for (const id of [1, 2, 3]) expect(net.status(id).term).toBe(1);
    expect(net.appliedData(3)).toEqual(['while-away']);
  });

  it('a rejoining node with an up-to-date log does not disrupt either: followers in touch with a leader refuse pre-votes', () => {
    const net = new Network([1, 2, 3], { preVote: true });
    net.elect(1);
    net.isolate(3);
    net.tickAll(5 * ELECTION_TICKS);
    net.heal();
    net.raw(3).campaign();
    net.stabilize();
    expect(net.sent.some((m) => m.type === 'preVoteResp' && m.to === 3 && !m.reject)).toBe(false);
    net.tickAll(5 * ELECTION_TICKS);
    expect(net.leaders()).toEqual([1]);
    for (const id of [1, 2, 3]) expect(net.status(id).term).toBe(1);
  });

  it('without PreVote the rejoining node forces a new term (the disruption PreVote prevents)', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'while-away');
    net.tickAll(5 * ELECTION_TICKS);
    expect(net.status(3).term).toBeGreaterThan(1);
    net.heal();
    net.tickAll(5 * ELECTION_TICKS);
    expect(net.status(1).term).toBeGreaterThan(1);
  });

  it('a pre-candidate that wins the pre-vote runs a real election and wins it', () => {
    const net = new Network([1, 2, 3], { preVote: true });
    net.elect(1);
    expect(net.status(1)).toMatchObject({ role: 'leader', term: 1 });
    expect(net.sent.filter((m) => m.type === 'preVote' && m.term === 1)).toHaveLength(2);
    expect(net.sent.filter((m) => m.type === 'vote' && m.term === 1)).toHaveLength(2);
  });

  it('a pre-vote request does not change the voter term or vote', () => {
    const net = new Network([1, 2, 3], { preVote: true });
    net.elect(1);
    net.crash(1);
    // Node 3 has not heard from the leader for an election timeout: it no longer defends it.
    net.tick(3, ELECTION_TICKS);
    net.takeMessages();
    net.raw(2).campaign();
    for (const m of net.takeMessages()) net.deliver(m);
    expect(net.status(3)).toMatchObject({ term: 1, vote: 1 });
    net.stabilize();
    expect(net.status(2)).toMatchObject({ role: 'leader', term: 2 });
  });
});

describe('CheckQuorum', () => {
  it('an isolated leader steps down after an election timeout without a quorum', () => {
    const net = new Network([1, 2, 3], { checkQuorum: true });
    net.elect(1);
    net.isolate(1);
    net.tickAll(2 * ELECTION_TICKS);
    expect(net.status(1).role).toBe('follower');
    expect(net.status(1).leader).toBe(0);
  });

  it('a leader that hears from a quorum keeps leading', () => {
    const net = new Network([1, 2, 3], { checkQuorum: true });
    net.elect(1);
    net.crash(3);
    net.tickAll(5 * ELECTION_TICKS);
    expect(net.leaders()).toEqual([1]);
  });

  it('followers in contact with a leader ignore vote requests (leader lease)', () => {
    const net = new Network([1, 2, 3], { checkQuorum: true });
    net.elect(1);
    net.tickAll(1);
    net.raw(3).campaign();
    for (const m of net.takeMessages()) net.deliver(m);
    const answers = net.takeMessages().filter((m) => m.type === 'voteResp');
    expect(answers).toEqual([]);
    expect(net.status(2)).toMatchObject({ term: 1, leader: 1 });
  });

  it('with PreVote and CheckQuorum, an isolated leader steps down and the majority elects a new one', () => {
    const net = new Network([1, 2, 3], { preVote: true, checkQuorum: true });
    net.elect(1);
    net.isolate(1);
    net.tickAll(4 * ELECTION_TICKS);
    expect(net.status(1).role).not.toBe('leader');
    const leaders = net.leaders();
    expect(leaders).toHaveLength(1);
    expect(leaders[0]).not.toBe(1);
    net.heal();
    net.tickAll(2 * ELECTION_TICKS);
    expect(net.status(1).leader).toBe(leaders[0]);
  });
});

describe('a closed connection from the leader (fast failure detection)', () => {
  const fast = { preVote: true, checkQuorum: true, electionTicks: 20, heartbeatTicks: 2 };

  it('followers of a dead leader elect a new one well within an election timeout', () => {
    const net = new Network([1, 2, 3], fast);
    net.elect(1);
    net.crash(1);
    net.raw(2).reportConnectionClosed(1);
    net.raw(3).reportConnectionClosed(1);
    // Grace of the first follower by id: one or two heartbeat intervals; the other waits longer.
    let ticks = 0;
    while (net.leaders().length === 0 && ticks < 20) {
      net.tickAll(1);
      net.stabilize();
      ticks++;
    }
    expect(net.leaders()).toEqual([2]);
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(ticks).toBeLessThan(4);
  });

  it('a connection that closes while the leader lives costs one refused pre-vote, no new term', () => {
    const net = new Network([1, 2, 3], fast);
    net.elect(1);
    net.raw(3).reportConnectionClosed(1);
    expect(net.status(3).leader).toBe(0);
    // Node 1's heartbeats are lost on the way to 3 (its stream is down), but 2 hears them.
    net.cutLink(1, 3);
    net.tickAll(12);
    net.stabilize();
    expect(net.sent.some((m) => m.from === 3 && m.type === 'preVote')).toBe(true);
    expect(net.sent.some((m) => m.type === 'preVoteResp' && m.to === 3 && !m.reject)).toBe(false);
    net.heal();
    net.tickAll(3);
    net.stabilize();
    expect(net.leaders()).toEqual([1]);
    for (const id of [1, 2, 3]) expect(net.status(id)).toMatchObject({ term: 1, leader: 1 });
  });

  it('is ignored when the closed connection is not the leader\'s', () => {
    const net = new Network([1, 2, 3], fast);
    net.elect(1);
    net.raw(3).reportConnectionClosed(2);
    net.raw(1).reportConnectionClosed(2);
    expect(net.status(3).leader).toBe(1);
    expect(net.status(1).role).toBe('leader');
  });
});
