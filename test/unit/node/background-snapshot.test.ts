// A snapshot of a large state takes a while to write. The driver takes it beside its
// Ready loop: heartbeats and appends keep leaving, and writes keep committing, while it is under
// way (a snapshot held inside the loop once let followers elect a new leader under a healthy one).
// Three real Raft drivers on an in-process network, real timers.
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeCommand } from '../../../node-runtime/fsm/commands';
import { StateMachine, type ApplyResult } from '../../../node-runtime/fsm';
import { RaftDriver } from '../../../node-runtime/node/raft-driver';
import { ReplicatedState } from '../../../node-runtime/node/replicated-state';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { Message } from '../../../node-runtime/raft/types';
import { MemoryDurableState } from '../../../node-runtime/storage/memory-durable-state';

const IDS = [1, 2, 3];
const SLOW_WRITE_MS = 300;
const drivers = new Map<number, RaftDriver<ApplyResult>>();
const memories = new Map<number, MemoryStorage>();
const durables = new Map<number, MemoryDurableState>();
/** Messages each node sent, stamped with when. */
const sent: { from: number; at: number }[] = [];

afterEach(async () => {
  await Promise.all([...drivers.values()].map((d) => d.stop()));
  drivers.clear();
  sent.length = 0;
});

function deliver(messages: readonly Message[]): void {
  for (const m of messages) {
    sent.push({ from: m.from, at: performance.now() });
    setImmediate(() => drivers.get(m.to)?.step(m));
  }
}

/** Storage in memory whose snapshot writes take SLOW_WRITE_MS longer to finish (without holding the event loop). */
function slowSnapshotWrites(memory: MemoryStorage): MemoryDurableState {
  const durable = new MemoryDurableState(memory.clone());
  const compact = durable.compact.bind(durable);
  durable.compact = async (metadata, data, compactTo) => {
    await new Promise((resolve) => setTimeout(resolve, SLOW_WRITE_MS));
    await compact(metadata, data, compactTo);
  };
  return durable;
}

function startCluster(): void {
  for (const id of IDS) {
    const memory = MemoryStorage.withVoters(IDS);
    const durable = slowSnapshotWrites(memory);
    const driver = new RaftDriver<ApplyResult>({
      id,
      rawNode: new RawNode({ id, electionTicks: 10, heartbeatTicks: 1, storage: memory, random: (n) => Math.floor(Math.random() * n), preVote: true, checkQuorum: true }),
      memory,
      durable,
      stateMachine: new ReplicatedState(new StateMachine()),
      send: deliver,
      tickMs: 5,
      snapshotThreshold: () => 20,
      compactionMargin: () => 5,
      applied: 0,
      logger: pino({ level: 'silent' }),
    });
    drivers.set(id, driver);
    memories.set(id, memory);
    durables.set(id, durable);
  }
  for (const driver of drivers.values()) driver.start();
}

const put = (i: number) => encodeCommand({ type: 'put', name: `f-${i}`, size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', chunks: [], at: 1_000 + i });

describe('a snapshot taken in the background', () => {
  it('lets heartbeats, appends and commits go on while it is written, then compacts the log', async () => {
    startCluster();
    const id = await vi.waitFor(
      () => {
        const leaders = IDS.filter((n) => drivers.get(n)?.isLeader);
        if (leaders.length !== 1) throw new Error('no single leader yet');
        return leaders[0] as number;
      },
      { timeout: 20_000, interval: 5 },
    );
    const leader = drivers.get(id) as RaftDriver<ApplyResult>;
    const taken = new Promise<number>((resolve) => leader.once('snapshotTaken', () => resolve(performance.now())));
    // Enough entries to pass the threshold; the snapshot starts as they apply.
    for (let i = 0; i < 25; i++) await leader.propose(put(i), 5_000);
    const startedAt = performance.now();
    // Writes proposed while the snapshot is being written commit before it is done.
    const during: number[] = [];
    for (let i = 25; i < 30; i++) {
      await leader.propose(put(i), 5_000);
      during.push(performance.now());
    }
    const takenAt = await taken;
    expect(takenAt - startedAt).toBeGreaterThanOrEqual(SLOW_WRITE_MS * 0.5);
    expect(during.every((at) => at < takenAt)).toBe(true);
    // Heartbeats kept leaving: at 5 ms ticks, dozens in the snapshot's 300 ms.
    const heartbeats = sent.filter((m) => m.from === id && m.at > startedAt && m.at < takenAt).length;
    expect(heartbeats).toBeGreaterThan(10);
    // The snapshot is durable, in the log, and the log behind it compacted (keeping the margin).
    const memory = memories.get(id) as MemoryStorage;
    const disk = (durables.get(id) as MemoryDurableState).disk;
    const index = memory.snapshot().metadata.index;
    expect(index).toBeGreaterThanOrEqual(20);
    expect(disk.snapshot().metadata.index).toBe(index);
    expect(memory.firstIndex()).toBe(index - 5 + 1);
    const restored = StateMachine.fromSnapshot(disk.snapshot().data);
    expect(restored.lastApplied()).toBe(index);
    expect(restored.get('f-0')).toBeDefined();
    expect(IDS.map((n) => drivers.get(n)?.isLeader)).toEqual(IDS.map((n) => n === id));
  }, 60_000);
});
