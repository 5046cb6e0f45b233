// §8 client interaction: linearizable reads through ReadIndex (Raft thesis §6.4).
import { describe, expect, it } from 'vitest';
import { Network } from './network';

describe('§8 linearizable reads (ReadIndex)', () => {
  it('a leader answers a read with its commit index after a heartbeat round confirms it still leads', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    expect(net.raw(1).readIndex('r1')).toEqual({ ok: true });
    const round = net.takeMessages();
    expect(round.filter((m) => m.type === 'heartbeat' && m.context === 'r1')).toHaveLength(2);
    expect(net.node(1).readStates).toEqual([]);
    for (const m of round) net.deliver(m);
    net.stabilize();
    expect(net.node(1).readStates).toEqual([{ index: 3, context: 'r1' }]);
  });

  it('an isolated leader cannot confirm a read', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    net.raw(1).readIndex('stale');
    net.stabilize();
    net.tickAll(3);
    expect(net.node(1).readStates).toEqual([]);
  });

  it('ReadIndex on a new leader waits for its no-op to commit', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.crash(1);
    net.raw(2).campaign();
    // Win the election but hold back every append response: the no-op stays uncommitted.
    net.filter = (m) => m.type !== 'appResp';
    net.stabilize();
    expect(net.status(2)).toMatchObject({ role: 'leader', commit: 3, lastIndex: 4 });
    net.raw(2).readIndex('early');
    net.stabilize();
    expect(net.sent.some((m) => m.context === 'early')).toBe(false);
    expect(net.node(2).readStates).toEqual([]);
    net.filter = undefined;
    net.tickAll(2);
    // The read is served at the new leader's no-op, after the entry the old leader committed.
    expect(net.node(2).readStates).toEqual([{ index: 4, context: 'early' }]);
  });

  it('a follower read is forwarded to the leader and answered with the leader commit index', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    expect(net.raw(3).readIndex('f')).toEqual({ ok: true });
    net.stabilize();
    expect(net.node(3).readStates).toEqual([{ index: 3, context: 'f' }]);
  });

  it('a read without a known leader is refused', () => {
    const net = new Network([1, 2, 3]);
    expect(net.raw(2).readIndex('x')).toEqual({ ok: false, reason: 'notLeader', leader: 0 });
  });

  it('a single-node cluster answers reads at once', () => {
    const net = new Network([1]);
    net.elect(1);
    net.raw(1).readIndex('solo');
    net.stabilize();
    expect(net.node(1).readStates).toEqual([{ index: 2, context: 'solo' }]);
  });

  it('reads queued behind one heartbeat round are all confirmed by it, in order', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.raw(1).readIndex('a');
    net.raw(1).readIndex('b');
    net.stabilize();
    expect(net.node(1).readStates.map((r) => r.context)).toEqual(['a', 'b']);
  });
});
