// §8 client interaction: linearizable reads through ReadIndex (Raft thesis §6.4).
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../node-runtime/raft/types';
import { Network } from './network';

describe('§8 linearizable reads (ReadIndex)', () => {
  it('a leader answers a read with its commit index after a heartbeat round confirms it still leads', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    expect(net.raw(1).readIndex('r1')).toEqual({ ok: true });
    const round = net.takeMessages();
    // The round carries a key of the request's own, not the asker's context (see read-only.ts).
    const keys = new Set(round.filter((m) => m.type === 'heartbeat').map((m) => m.context));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toEqual(expect.any(String));
    expect(round.filter((m) => m.type === 'heartbeat')).toHaveLength(2);
    expect(net.node(1).readStates).toEqual([]);
    for (const m of round) net.deliver(m);
    net.stabilize();
    expect(net.node(1).readStates).toEqual([{ index: 3, context: 'r1' }]);
  });

  it('a repeated read context cannot let late acknowledgements of its first round confirm newer reads', () => {
    // Seed 570891051 (failover profile): a follower's read came back to the leader after it was
    // answered (a duplicate, or the follower re-asking), and acknowledgements of its first round
    // arrived late. The repeat was queued behind reads the leader took meanwhile, and the old
    // acknowledgements confirmed them all, although no heartbeat had gone out since they came.
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.raw(2).readIndex('x');
    net.stabilize();
    expect(net.node(2).readStates).toEqual([{ index: 3, context: 'x' }]);
    const ask = net.sent.find((m) => m.type === 'readIndex' && m.context === 'x') as Message;
    const acks = net.sent.filter((m) => m.type === 'heartbeatResp' && m.to === 1 && m.context !== undefined);
    expect(acks.length).toBeGreaterThan(0);
    // The leader is cut off (a newer leader may commit elsewhere); it takes a read of its own.
    net.isolate(1);
    net.raw(1).readIndex('late');
    net.stabilize();
    // The repeat and the old acknowledgements reach it anyway (delayed, duplicated).
    net.raw(1).step(ask);
    for (const m of acks) net.raw(1).step(m);
    net.stabilize();
    expect(net.node(1).readStates.map((r) => r.context)).not.toContain('late');
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
    expect(net.sent.some((m) => m.type === 'heartbeat' && m.context !== undefined)).toBe(false);
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
