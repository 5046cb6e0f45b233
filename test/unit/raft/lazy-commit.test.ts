// lazyCommitBroadcast (issue #11): a leader whose commit index moves tells a follower with the
// next append it sends it, or at its next tick, instead of at once in an empty append of its own —
// except a follower that relayed the proposal (RawNode.relayProposal), which waits to apply it.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../node-runtime/raft/types';
import { Network, bytes } from './network';

/**
 * Node 1 leads a lazy three-node cluster; every node has applied the leader's no-op. Heartbeats
 * (which carry the commit index too) go every 5 ticks, so a single tick is not one.
 */
function lazyCluster(): Network {
  const net = new Network([1, 2, 3], { lazyCommitBroadcast: true, heartbeatTicks: 5 });
  net.elect(1);
  net.tickAll(1);
  for (const id of [1, 2, 3]) expect(net.status(id).commit).toBe(2);
  return net;
}

const appendsFrom = (messages: readonly Message[]): Message[] => messages.filter((m) => m.type === 'app' && m.from === 1);

describe('lazyCommitBroadcast', () => {
  it('a write commits on the leader without a commit-only append; the followers learn it at the next tick', () => {
    const net = lazyCluster();
    const before = net.sent.length;
    net.propose(1, 'a');
    expect(net.status(1).commit).toBe(3);
    expect(net.appliedData(1)).toEqual(['a']);
    // One append per follower, carrying the entry; nothing after the commit.
    expect(appendsFrom(net.sent.slice(before)).map((m) => [m.to, m.entries.length])).toEqual([
      [2, 1],
      [3, 1],
    ]);
    expect(net.status(2).commit).toBe(2);
    expect(net.appliedData(2)).toEqual([]);

    const beforeTick = net.sent.length;
    net.tick(1);
    net.stabilize();
    const told = appendsFrom(net.sent.slice(beforeTick));
    expect(told.map((m) => [m.to, m.entries.length, m.commit])).toEqual([
      [2, 0, 3],
      [3, 0, 3],
    ]);
    for (const id of [2, 3]) expect(net.appliedData(id)).toEqual(['a']);

    // Told once: the next tick sends no empty append.
    const afterTold = net.sent.length;
    net.tick(1);
    net.stabilize();
    expect(appendsFrom(net.sent.slice(afterTold)).filter((m) => m.entries.length === 0)).toEqual([]);
  });

  it('a heartbeat tells the commit index as well: no empty append follows it', () => {
    const net = lazyCluster();
    // The leader's next tick is a heartbeat tick.
    net.tick(1, 3);
    net.stabilize();
    net.propose(1, 'a');
    const before = net.sent.length;
    net.tick(1);
    net.stabilize();
    const sent = net.sent.slice(before).filter((m) => m.from === 1);
    expect(sent.map((m) => [m.type, m.to, m.commit])).toEqual([
      ['heartbeat', 2, 3],
      ['heartbeat', 3, 3],
    ]);
    for (const id of [2, 3]) expect(net.appliedData(id)).toEqual(['a']);
  });

  it('the next write carries the commit index of the one before', () => {
    const net = lazyCluster();
    net.propose(1, 'a');
    const before = net.sent.length;
    net.propose(1, 'b');
    const appends = appendsFrom(net.sent.slice(before));
    expect(appends.map((m) => [m.to, m.entries.map((e) => e.index), m.commit])).toEqual([
      [2, [4], 3],
      [3, [4], 3],
    ]);
    for (const id of [2, 3]) expect(net.appliedData(id)).toEqual(['a']);
    expect(net.appliedData(1)).toEqual(['a', 'b']);
  });

  it('tellCommit tells an idle leader’s followers the commit now, once', () => {
    const net = lazyCluster();
    net.propose(1, 'a');
    const before = net.sent.length;
    net.raw(1).tellCommit();
    net.stabilize();
    expect(appendsFrom(net.sent.slice(before)).map((m) => [m.to, m.entries.length, m.commit])).toEqual([
      [2, 0, 3],
      [3, 0, 3],
    ]);
    for (const id of [2, 3]) expect(net.appliedData(id)).toEqual(['a']);
    const afterTold = net.sent.length;
    net.raw(1).tellCommit();
    net.stabilize();
    expect(net.sent.slice(afterTold)).toEqual([]);
  });

  it('a follower that relayed a proposal is told its commit at once; the other learns it lazily', () => {
    const net = new Network([1, 2, 3], { lazyCommitBroadcast: true, heartbeatTicks: 5, disableProposalForwarding: true });
    net.elect(1);
    net.tickAll(1);
    // disableProposalForwarding holds for propose(); relayProposal sends regardless.
    expect(net.raw(2).propose(bytes('refused'))).toEqual({ ok: false, reason: 'notLeader', leader: 1 });
    const before = net.sent.length;
    expect(net.raw(2).relayProposal(bytes('a'))).toBe(1);
    net.stabilize();
    const sent = net.sent.slice(before);
    expect(sent.filter((m) => m.type === 'prop').map((m) => [m.from, m.to, m.term])).toEqual([[2, 1, 0]]);
    expect(appendsFrom(sent).map((m) => [m.to, m.entries.length, m.commit])).toEqual([
      [2, 1, 2],
      [3, 1, 2],
      [2, 0, 3],
    ]);
    expect(net.appliedData(2)).toEqual(['a']);
    expect(net.appliedData(3)).toEqual([]);
  });

  it('a relayed proposal reaches no one from a node that knows no leader', () => {
    const net = new Network([1, 2, 3], { lazyCommitBroadcast: true, disableProposalForwarding: true });
    expect(net.raw(2).relayProposal(bytes('a'))).toBe(0);
    net.stabilize();
    expect(net.sent.filter((m) => m.type === 'prop')).toEqual([]);
  });

  it('without it, the leader sends the new commit index at once (etcd)', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    const before = net.sent.length;
    net.raw(1).propose(bytes('a'));
    net.stabilize();
    const empty = appendsFrom(net.sent.slice(before)).filter((m) => m.entries.length === 0);
    expect(empty.map((m) => [m.to, m.commit])).toEqual([
      [2, 3],
      [3, 3],
    ]);
    for (const id of [2, 3]) expect(net.appliedData(id)).toEqual(['a']);
  });
});
