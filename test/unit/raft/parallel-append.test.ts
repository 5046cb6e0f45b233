// Raft thesis §10.2.1: a leader may write its log in parallel with replicating it. The core makes
// that safe by counting the leader's own copy toward a quorum only once the driver reports the
// entries durable (advance()), never when they are appended.
import { describe, expect, it } from 'vitest';
import type { Message, Ready } from '../../../node-runtime/raft/types';
import { Network, bytes } from './network';
import type { TestNode } from './network';

/** Persists a Ready as a driver must and advances; returns its messages. */
function persistAndAdvance(n: TestNode, rd: Ready = n.raw.ready()): Message[] {
  n.storage.append(rd.entries);
  if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
  n.raw.advance(rd);
  return [...rd.messages];
}

/** Node 1 leads; it proposes `p` and hands out the Ready carrying it, not yet persisted. */
function leaderWithUnpersistedEntry(): { net: Network; rd: Ready; appendTo: (id: number) => Message } {
  const net = new Network([1, 2, 3]);
  net.elect(1);
  net.raw(1).propose(bytes('p'));
  const rd = net.raw(1).ready();
  expect(rd.entries.map((e) => e.index)).toEqual([3]);
  const appendTo = (id: number): Message => {
    const m = rd.messages.find((x) => x.type === 'app' && x.to === id && x.entries.some((e) => e.index === 3));
    if (m === undefined) throw new Error(`no append of index 3 to node ${id}`);
    return m;
  };
  return { net, rd, appendTo };
}

/** Delivers `append` to its follower, which persists it and answers. */
function followerAcks(net: Network, append: Message): Message {
  net.raw(append.to).step(append);
  const ack = persistAndAdvance(net.node(append.to)).find((m) => m.type === 'appResp');
  if (ack === undefined || ack.reject) throw new Error(`node ${append.to} did not acknowledge`);
  return ack;
}

describe('§10.2.1 the leader writes its log in parallel with replicating it', () => {
  it("a leader's appended entry does not count its own copy until the driver persisted it", () => {
    const { net, rd, appendTo } = leaderWithUnpersistedEntry();
    expect(net.status(1).progress?.[1]?.match).toBe(2);
    net.raw(1).step(followerAcks(net, appendTo(2)));
    // The leader's memory and one follower's disk are not a quorum of disks.
    expect(net.status(1).commit).toBe(2);

    persistAndAdvance(net.node(1), rd);
    expect(net.status(1).progress?.[1]?.match).toBe(3);
    expect(net.status(1).commit).toBe(3);
    const next = net.raw(1).ready();
    expect(next.committedEntries.map((e) => e.index)).toEqual([3]);
    // The new commit index leaves at once, to both followers.
    expect(next.messages.filter((m) => m.type === 'app' && m.commit === 3).map((m) => m.to).sort()).toEqual([2, 3]);
  });

  it('two followers that persisted an entry commit it before the leader has written it', () => {
    const { net, rd, appendTo } = leaderWithUnpersistedEntry();
    net.raw(1).step(followerAcks(net, appendTo(2)));
    net.raw(1).step(followerAcks(net, appendTo(3)));
    expect(net.status(1).commit).toBe(3);
    // Applying waits for the leader's own Ready: the entry goes to the state machine in the next one.
    persistAndAdvance(net.node(1), rd);
    expect(net.raw(1).ready().committedEntries.map((e) => e.index)).toEqual([3]);
  });

  it('a single voter commits its own entries once they are persisted', () => {
    const net = new Network([1]);
    net.elect(1);
    net.raw(1).propose(bytes('solo'));
    const rd = net.raw(1).ready();
    expect(rd.committedEntries).toEqual([]);
    persistAndAdvance(net.node(1), rd);
    expect(net.status(1).commit).toBe(rd.entries[rd.entries.length - 1]?.index);
    net.stabilize();
    expect(net.appliedData(1)).toEqual(['solo']);
  });

  it('a lone voter that just won answers a read only once its own no-op is written and committed', () => {
    // Its commit index can lag what an earlier leader committed: the read waits for its term's entry.
    const net = new Network([1]);
    net.raw(1).campaign();
    expect(net.status(1).role).toBe('leader');
    net.raw(1).readIndex('r');
    const rd = net.raw(1).ready();
    const noop = rd.entries[rd.entries.length - 1]?.index ?? 0;
    expect(rd.readStates).toEqual([]);
    persistAndAdvance(net.node(1), rd);
    expect(net.raw(1).ready().readStates).toEqual([{ index: noop, context: 'r' }]);
  });
});
