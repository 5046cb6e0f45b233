// Read barriers across a leader's death, on three real Raft drivers wired by an in-process network
// (real timers, 2 ms ticks). A follower's barrier is a message to its leader; one that went to a
// leader that then died must be asked again of the new leader, not wait out its whole timeout.
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateMachine, type ApplyResult } from '../../../node-runtime/fsm';
import { RaftDriver } from '../../../node-runtime/node/raft-driver';
import { ReplicatedState } from '../../../node-runtime/node/replicated-state';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { Message } from '../../../node-runtime/raft/types';
import { MemoryDurableState } from '../../../node-runtime/storage/memory-durable-state';

const IDS = [1, 2, 3];
let drivers = new Map<number, RaftDriver<ApplyResult>>();
/** Nodes whose messages, in or out, are lost: a killed process. */
const dead = new Set<number>();

afterEach(async () => {
  await Promise.all([...drivers.values()].map((d) => d.stop()));
  drivers = new Map();
  dead.clear();
});

function deliver(messages: readonly Message[]): void {
  for (const m of messages) {
    setImmediate(() => {
      if (dead.has(m.from) || dead.has(m.to)) return;
      drivers.get(m.to)?.step(m);
    });
  }
}

function startCluster(): void {
  for (const id of IDS) {
    const memory = MemoryStorage.withVoters(IDS);
    const driver = new RaftDriver<ApplyResult>({
      id,
      rawNode: new RawNode({ id, electionTicks: 10, heartbeatTicks: 1, storage: memory, random: (n) => Math.floor(Math.random() * n), preVote: true, checkQuorum: true }),
      memory,
      durable: new MemoryDurableState(memory.clone()),
      stateMachine: new ReplicatedState(new StateMachine()),
      send: deliver,
      tickMs: 2,
      snapshotThreshold: () => Number.POSITIVE_INFINITY,
      compactionMargin: () => 0,
      applied: 0,
      logger: pino({ level: 'silent' }),
    });
    drivers.set(id, driver);
  }
  for (const driver of drivers.values()) driver.start();
}

async function leader(among: readonly number[]): Promise<number> {
  return vi.waitFor(
    () => {
      const leaders = among.filter((id) => drivers.get(id)?.isLeader);
      if (leaders.length !== 1) throw new Error(`leaders: ${leaders.join(', ') || 'none'}`);
      return leaders[0] as number;
    },
    { timeout: 20_000, interval: 5 },
  );
}

describe('a read barrier on a follower', () => {
  it('sent just before its leader dies, is answered by the next leader instead of timing out', async () => {
    startCluster();
    const first = await leader(IDS);
    const follower = IDS.find((id) => id !== first) as number;
    const barrier = drivers.get(follower) as RaftDriver<ApplyResult>;
    await vi.waitFor(() => expect(barrier.leaderId).toBe(first), { timeout: 20_000, interval: 5 });
    await barrier.readBarrier(20_000);

    // The next barrier goes to the leader, which dies with it: its answer never comes.
    dead.add(first);
    const read = barrier.readBarrier(20_000);
    await drivers.get(first)?.stop();
    const next = await leader(IDS.filter((id) => id !== first));
    expect(next).not.toBe(first);
    await expect(read).resolves.toEqual(expect.any(Number));
  }, 60_000);
});
