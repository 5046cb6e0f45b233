// §5.4.2 Committing entries from previous terms (Figure 8), and the commitPreviousTermEntries knob.
import { describe, expect, it } from 'vitest';
import type { TestingKnobs } from '../../../node-runtime/raft/types';
import { Network, bytes } from './network';

/**
 * Figure 8 on three nodes. Node 1 (leader, term 1) appends `x` at index 3 while cut off (index 1 holds
 * the founding membership, index 2 node 1's no-op). Node 2
 * wins term 2 with node 3's vote but its no-op never leaves it. Node 1 returns, wins term 3 with
 * node 3 (after a restart) and copies `x` to it, but node 3 does not yet hold node 1's term-3 no-op: `x` is on a
 * majority, yet node 2 could still win an election and overwrite it.
 */
function figure8(knobs: TestingKnobs = {}): Network {
  const net = new Network([1, 2, 3], { maxSizePerMsg: 1, testingKnobs: knobs });
  net.elect(1);
  net.isolate(1);
  net.raw(1).propose(bytes('x'));
  net.stabilize();

  net.heal();
  net.isolate(1);
  net.raw(2).campaign();
  for (const m of net.takeMessages()) net.deliver(m);
  for (const m of net.takeMessages()) net.deliver(m);
  expect(net.status(2)).toMatchObject({ role: 'leader', term: 2 });
  net.isolate(2);
  net.stabilize();

  net.heal();
  net.isolate(2);
  net.crash(1);
  net.restart(1);
  // Node 1 restarts (keeping x on disk) and campaigns. Term 2 is taken (node 3 voted for node 2), so node 1 needs two tries.
  net.elect(1);
  // Once node 3 holds x, node 1's term-3 no-op (index 4) no longer reaches it. (The first probe
  // carrying it does, and is rejected: that is how node 1 finds where node 3's log ends.)
  net.filter = (m) => !(m.type === 'app' && m.to === 3 && m.entries.some((e) => e.index === 4) && net.node(3).storage.lastIndex() >= 3);
  net.elect(1);
  expect(net.status(1)).toMatchObject({ role: 'leader', term: 3 });
  expect(net.node(3).storage.lastIndex()).toBe(3);
  expect(net.node(3).storage.term(3)).toBe(1);
  return net;
}

describe('§5.4.2 committing entries from previous terms', () => {
  it('a leader does not commit an entry of a previous term by counting replicas', () => {
    const net = figure8();
    expect(net.status(1).commit).toBe(2);
    expect(net.appliedData(1)).toEqual([]);
  });

  it('the previous-term entry commits once an entry of the current term reaches a majority', () => {
    const net = figure8();
    net.filter = undefined;
    net.tickAll(2);
    expect(net.status(1).commit).toBe(4);
    expect(net.appliedData(1)).toEqual(['x']);
    expect(net.appliedData(3)).toEqual(['x']);
  });

  it('knob commitPreviousTermEntries: the leader commits x by counting, and a later leader overwrites it', () => {
    const net = figure8({ commitPreviousTermEntries: true });
    expect(net.status(1).commit).toBe(3);
    expect(net.appliedData(1)).toEqual(['x']);

    // The scenario the paper warns about: node 1 crashes; node 2 (restarted, last log term 2)
    // wins over node 3 (last log term 1) in term 4.
    net.crash(1);
    net.crash(2);
    net.restart(2);
    net.heal();
    net.filter = undefined;
    net.elect(2);
    net.elect(2);
    expect(net.status(2).role).toBe('leader');
    const atIndex3 = (id: number) => net.node(id).applied.find((e) => e.index === 3);
    expect(atIndex3(3)?.term).toBe(2);
    // Node 1 applied x (term 1) at index 3: the replicas disagree about a "committed" entry.
    expect(atIndex3(1)?.term).toBe(1);
  });
});
