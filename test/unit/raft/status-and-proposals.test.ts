// Observability (Status, per-follower Progress) and what a proposal on a non-leader gets back.
import { describe, expect, it } from 'vitest';
import { ELECTION_TICKS, Network, bytes } from './network';

describe('Status', () => {
  it('every node reports role, term, leader and its log indexes; the leader adds per-follower progress', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.crash(3);
    net.propose(1, 'b');
    net.tickAll(5);
    const leader = net.status(1);
    expect(leader).toMatchObject({ id: 1, role: 'leader', term: 1, leader: 1, commit: 4, applied: 4, lastIndex: 4, firstIndex: 1 });
    expect(leader.progress?.[2]).toMatchObject({ match: 4, next: 5, state: 'replicate', isLearner: false, ticksSinceContact: 0 });
    expect(leader.progress?.[3]).toMatchObject({ match: 3, isLearner: false });
    expect(leader.progress?.[3]?.ticksSinceContact).toBe(5);
    const follower = net.status(2);
    expect(follower).toMatchObject({ role: 'follower', leader: 1, commit: 4, lastIndex: 4 });
    expect(follower.progress).toBeUndefined();
    expect(follower.confState.voters).toEqual([1, 2, 3]);
  });

  it('basicStatus is status without the progress, on the leader and on a follower', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    for (const id of [1, 2]) {
      const { progress, ...rest } = net.status(id);
      expect(net.raw(id).basicStatus()).toEqual(rest);
      expect(progress === undefined).toBe(id !== 1);
    }
    expect(net.raw(1).basicStatus()).not.toHaveProperty('progress');
  });
});

describe('proposals', () => {
  it('a follower forwards a proposal to the leader', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    // Forwarded: the leader, not this node, will choose its index.
    expect(net.raw(2).propose(bytes('via-2'))).toEqual({ ok: true, index: 0, term: 0 });
    net.stabilize();
    expect(net.appliedData(1)).toEqual(['via-2']);
    expect(net.sent.some((m) => m.type === 'prop' && m.from === 2 && m.to === 1)).toBe(true);
  });

  it("the leader's answer names the index and term its proposal was appended at", () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    const { lastIndex, term } = net.status(1);
    expect(net.raw(1).propose(bytes('a'))).toEqual({ ok: true, index: lastIndex + 1, term });
    expect(net.raw(1).propose(bytes('b'))).toEqual({ ok: true, index: lastIndex + 2, term });
    net.stabilize();
    expect(net.appliedData(1)).toEqual(['a', 'b']);
  });

  it('with forwarding disabled a follower answers "not leader, the leader is X"', () => {
    const net = new Network([1, 2, 3], { disableProposalForwarding: true });
    net.elect(1);
    expect(net.raw(2).propose(bytes('x'))).toEqual({ ok: false, reason: 'notLeader', leader: 1 });
  });

  it('without a known leader a proposal is refused', () => {
    const net = new Network([1, 2, 3]);
    expect(net.raw(2).propose(bytes('x'))).toEqual({ ok: false, reason: 'notLeader', leader: 0 });
    net.raw(2).campaign();
    expect(net.raw(2).propose(bytes('x'))).toEqual({ ok: false, reason: 'notLeader', leader: 0 });
  });

  it('an entry proposed by a deposed leader is replaced, and the application sees the other term', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    net.raw(1).propose(bytes('orphan'));
    net.stabilize();
    net.tickAll(3 * ELECTION_TICKS);
    net.heal();
    net.tickAll(3 * ELECTION_TICKS);
    for (const id of [1, 2, 3]) expect(net.appliedData(id)).not.toContain('orphan');
  });
});
