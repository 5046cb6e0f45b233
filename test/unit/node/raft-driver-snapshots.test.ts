// Snapshots kept on storage, not in memory (issue #11): three real Raft drivers wired by an
// in-process network (real timers, 2 ms ticks), snapshotting every few entries. The in-memory log
// holds only a snapshot's metadata; a follower that missed the compacted entries still gets the
// whole snapshot, read back from the leader's storage.
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeCommand, StateMachine, type ApplyResult } from '../../../node-runtime/fsm';
import { RaftDriver } from '../../../node-runtime/node/raft-driver';
import { ReplicatedState } from '../../../node-runtime/node/replicated-state';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { Message } from '../../../node-runtime/raft/types';
import { MemoryDurableState } from '../../../node-runtime/storage/memory-durable-state';

const IDS = [1, 2, 3];
const SNAPSHOT_EVERY = 5;

interface TestNode {
  readonly driver: RaftDriver<ApplyResult>;
  readonly memory: MemoryStorage;
  readonly durable: MemoryDurableState;
  readonly fsm: StateMachine;
}

let nodes = new Map<number, TestNode>();
const dead = new Set<number>();
/** Bytes of every snapshot message as it left its sender. */
const snapshotsSent: number[] = [];

afterEach(async () => {
  await Promise.all([...nodes.values()].map((n) => n.driver.stop()));
  nodes = new Map();
  dead.clear();
  snapshotsSent.length = 0;
});

function deliver(messages: readonly Message[]): void {
  for (const m of messages) {
    if (m.snapshot) snapshotsSent.push(m.snapshot.data.byteLength);
    setImmediate(() => {
      if (dead.has(m.from) || dead.has(m.to)) return;
      nodes.get(m.to)?.driver.step(m);
    });
  }
}

function startCluster(): void {
  for (const id of IDS) {
    const memory = MemoryStorage.withVoters(IDS);
    const durable = new MemoryDurableState(memory.clone());
    const fsm = new StateMachine();
    const driver: RaftDriver<ApplyResult> = new RaftDriver<ApplyResult>({
      id,
      rawNode: new RawNode({ id, electionTicks: 10, heartbeatTicks: 1, storage: memory, random: (n) => Math.floor(Math.random() * n), preVote: true, checkQuorum: true }),
      memory,
      durable,
      stateMachine: new ReplicatedState(fsm),
      send: deliver,
      tickMs: 2,
      snapshotThreshold: () => SNAPSHOT_EVERY,
      compactionMargin: () => 0,
      applied: 0,
      logger: pino({ level: 'silent' }),
    });
    nodes.set(id, { driver, memory, durable, fsm });
  }
  for (const { driver } of nodes.values()) driver.start();
}

async function leaderAmong(among: readonly number[]): Promise<TestNode> {
  const id = await vi.waitFor(
    () => {
      const leaders = among.filter((i) => nodes.get(i)?.driver.isLeader);
      if (leaders.length !== 1) throw new Error(`leaders: ${leaders.join(', ') || 'none'}`);
      return leaders[0] as number;
    },
    { timeout: 20_000, interval: 5 },
  );
  return nodes.get(id) as TestNode;
}

describe('a snapshot held by storage', () => {
  it('leaves only its metadata in the in-memory log, and reaches a lagging follower whole', async () => {
    startCluster();
    const lagging = 3;
    dead.add(lagging);
    const leader = await leaderAmong([1, 2]);
    for (let i = 0; i < 4 * SNAPSHOT_EVERY; i++) {
      const put = { type: 'put' as const, name: `f${i}.txt`, size: 3, sha256: 'a'.repeat(64), chunks: [{ hash: 'a'.repeat(64), size: 3 }], at: 1_000 + i };
      await leader.driver.propose(encodeCommand(put), 10_000);
    }
    const taken = leader.memory.snapshot();
    expect(taken.metadata.index).toBeGreaterThan(SNAPSHOT_EVERY);
    expect(leader.memory.firstIndex(), 'the log was compacted').toBeGreaterThan(2);
    expect(taken.data.byteLength, 'the state is not held twice in memory').toBe(0);
    expect(leader.durable.disk.snapshot().data.byteLength).toBeGreaterThan(0);

    // The follower missed entries the log no longer has: it needs the snapshot, read from storage.
    dead.delete(lagging);
    const follower = nodes.get(lagging) as TestNode;
    await vi.waitFor(() => expect(follower.driver.applied).toBeGreaterThanOrEqual(leader.driver.applied), { timeout: 20_000, interval: 5 });
    expect(snapshotsSent.length).toBeGreaterThan(0);
    expect(snapshotsSent.every((bytes) => bytes > 0), 'no snapshot left without its data').toBe(true);
    expect(follower.fsm.totals().files).toBe(4 * SNAPSHOT_EVERY);
    expect(follower.fsm.get('f0.txt')?.size).toBe(3);
    // The follower's own log keeps only the metadata of the snapshot it installed.
    expect(follower.memory.snapshot().data.byteLength).toBe(0);
  });
});
