// Leadership transfer (Raft thesis §3.10): TimeoutNow to a caught-up follower.
import { describe, expect, it } from 'vitest';
import { ELECTION_TICKS, Network, bytes } from './network';

describe('leadership transfer', () => {
  it('transfers leadership to a caught-up follower', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.raw(1).transferLeadership(2);
    net.stabilize();
    expect(net.sent.some((m) => m.type === 'timeoutNow' && m.to === 2)).toBe(true);
    expect(net.leaders()).toEqual([2]);
    expect(net.status(2).term).toBe(2);
  });

  it('catches a lagging follower up before sending TimeoutNow', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'a');
    net.propose(1, 'b');
    net.heal();
    net.raw(1).transferLeadership(3);
    net.stabilize();
    expect(net.leaders()).toEqual([3]);
    expect(net.appliedData(3)).toEqual(['a', 'b']);
  });

  it('refuses proposals while a transfer is in progress and gives up after an election timeout', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.crash(3);
    net.raw(1).transferLeadership(3);
    expect(net.status(1).leadTransferee).toBe(3);
    expect(net.raw(1).propose(bytes('x'))).toEqual({ ok: false, reason: 'transferInProgress', leader: 1 });
    net.tickAll(ELECTION_TICKS);
    expect(net.status(1)).toMatchObject({ role: 'leader', leadTransferee: 0 });
    expect(net.raw(1).propose(bytes('x')).ok).toBe(true);
  });

  it('a follower can ask for the transfer; the leader carries it out', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.raw(3).transferLeadership(3);
    net.stabilize();
    expect(net.leaders()).toEqual([3]);
  });

  it('works with PreVote and CheckQuorum on: the transferee skips the pre-vote and the lease', () => {
    const net = new Network([1, 2, 3], { preVote: true, checkQuorum: true });
    net.elect(1);
    net.tickAll(1);
    net.raw(1).transferLeadership(2);
    net.stabilize();
    expect(net.leaders()).toEqual([2]);
  });

  it('ignores a transfer to a learner or to itself', () => {
    const net = new Network([1, 2, 3], {}, [3]);
    net.elect(1);
    net.raw(1).transferLeadership(3);
    net.raw(1).transferLeadership(1);
    expect(net.status(1).leadTransferee).toBe(0);
    net.stabilize();
    expect(net.leaders()).toEqual([1]);
  });
});
