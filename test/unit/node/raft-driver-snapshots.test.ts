// The in-memory log stays bounded (issue #11): three real Raft drivers wired by an in-process
// network (real timers, 2 ms ticks). The log holds only a snapshot's metadata, and a follower that
// missed the compacted entries still gets the whole snapshot, read back from the leader's storage;
// entries that carry small files whole are snapshotted by their bytes, not only by their count.
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeCommand, StateMachine, type ApplyResult } from '../../../node-runtime/fsm';
import { RaftDriver, type RaftDriverOptions } from '../../../node-runtime/node/raft-driver';
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
/** Snapshot messages Raft handed out, before their data was read back from storage. */
let snapshotsAsked = 0;
/** When each node last stepped a message (clock time): the driver looks at its log after each. */
const lastStepAt = new Map<number, number>();

afterEach(async () => {
  await Promise.all([...nodes.values()].map((n) => n.driver.stop()));
  nodes = new Map();
  dead.clear();
  snapshotsSent.length = 0;
  snapshotsAsked = 0;
  lastStepAt.clear();
});

function deliver(messages: readonly Message[]): void {
  for (const m of messages) {
    if (m.snapshot) snapshotsSent.push(m.snapshot.data.byteLength);
    setImmediate(() => {
      if (dead.has(m.from) || dead.has(m.to)) return;
      nodes.get(m.to)?.driver.step(m);
      lastStepAt.set(m.to, Date.now());
    });
  }
}

type Bounds = Pick<RaftDriverOptions<ApplyResult>, 'snapshotThreshold' | 'compactionMargin' | 'logBytes' | 'idleSnapshot'>;

function startCluster(bounds: Bounds = { snapshotThreshold: () => SNAPSHOT_EVERY, compactionMargin: () => 0 }): void {
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
      probe: { sent: (rd) => (snapshotsAsked += rd.messages.filter((m) => m.snapshot !== undefined).length) },
      tickMs: 2,
      ...bounds,
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

  it('is read back once while a read of it is still under way, however often Raft asks again', async () => {
    // Read back, a snapshot is the whole state with every small file's bytes (hundreds of MiB at
    // 100,000 files). Raft asks again every two election timeouts while one seems lost; a read
    // slower than that must not start a second copy beside the first.
    startCluster();
    const lagging = 3;
    dead.add(lagging);
    const leader = await leaderAmong([1, 2]);
    for (let i = 0; i < 2 * SNAPSHOT_EVERY; i++) {
      const put = { type: 'put' as const, name: `f${i}.txt`, size: 3, sha256: 'a'.repeat(64), chunks: [{ hash: 'a'.repeat(64), size: 3 }], at: 1_000 + i };
      await leader.driver.propose(encodeCommand(put), 10_000);
    }
    let reading = 0;
    let mostAtOnce = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const read = leader.durable.loadSnapshot.bind(leader.durable);
    leader.durable.loadSnapshot = async (metadata) => {
      reading += 1;
      mostAtOnce = Math.max(mostAtOnce, reading);
      await held;
      reading -= 1;
      return read(metadata);
    };
    dead.delete(lagging);
    await vi.waitFor(() => expect(snapshotsAsked).toBeGreaterThanOrEqual(3), { timeout: 20_000, interval: 5 });
    expect(mostAtOnce, 'snapshot reads at once for one follower').toBe(1);
    release();
    const follower = nodes.get(lagging) as TestNode;
    await vi.waitFor(() => expect(follower.driver.applied).toBeGreaterThanOrEqual(leader.driver.applied), { timeout: 20_000, interval: 5 });
    expect(follower.fsm.totals().files).toBe(2 * SNAPSHOT_EVERY);
  });
});

describe('the log bound in bytes', () => {
  const snapshotAfter = 16 * 1024;
  const marginBytes = 4 * 1024;
  const bytesOf = (entries: readonly { data: Uint8Array }[]) => entries.reduce((sum, e) => sum + e.data.byteLength, 0);

  it('snapshots once the applied entries carry snapshotAfter bytes, and keeps at most marginBytes behind', async () => {
    startCluster({ snapshotThreshold: () => Number.POSITIVE_INFINITY, compactionMargin: () => 1_000, logBytes: () => ({ snapshotAfter, marginBytes }) });
    const leader = await leaderAmong(IDS);
    const content = Buffer.alloc(1500, 7);
    let largest = 0;
    for (let i = 0; i < 60; i++) {
      const put = { type: 'put' as const, name: `small-${i}.bin`, size: content.length, sha256: 'b'.repeat(64), chunks: [], inline: content.toString('base64'), at: 1_000 + i };
      const data = encodeCommand(put);
      largest = Math.max(largest, data.byteLength);
      await leader.driver.propose(data, 10_000);
      const { memory } = leader;
      // However many entries were written, the log holds little more than the bound.
      expect(bytesOf(memory.entries(memory.firstIndex(), memory.lastIndex() + 1))).toBeLessThan(snapshotAfter + marginBytes + largest);
    }
    const { memory } = leader;
    const snapshotIndex = memory.snapshot().metadata.index;
    expect(snapshotIndex, 'snapshots were taken although the entry count never reached the threshold').toBeGreaterThan(0);
    const behind = memory.entries(memory.firstIndex(), snapshotIndex + 1);
    expect(behind.length, 'some entries stay behind the snapshot for lagging followers').toBeGreaterThan(0);
    expect(bytesOf(behind)).toBeLessThanOrEqual(marginBytes);
    expect(leader.fsm.totals().files).toBe(60);
  });
});

describe('a snapshot when the node goes quiet', () => {
  const put = (i: number) => encodeCommand({ type: 'put' as const, name: `q${i}.txt`, size: 3, sha256: 'c'.repeat(64), chunks: [{ hash: 'c'.repeat(64), size: 3 }], at: 1_000 + i });

  it('is taken once nothing was applied for afterMs with minEntries since the last, and not before', async () => {
    startCluster({ snapshotThreshold: () => Number.POSITIVE_INFINITY, compactionMargin: () => 0, idleSnapshot: { afterMs: 200, minEntries: 10 } });
    const leader = await leaderAmong(IDS);
    // Fewer than minEntries: however long the cluster is quiet, no snapshot.
    for (let i = 0; i < 5; i++) await leader.driver.propose(put(i), 10_000);
    const quietSince = Date.now();
    // Every node has handled messages (heartbeats, their answers) well past afterMs of quiet, so
    // each has looked at its log as idle: none may have snapshotted.
    await vi.waitFor(() => {
      for (const id of IDS) expect(lastStepAt.get(id) ?? 0).toBeGreaterThan(quietSince + 3 * 200);
    }, { timeout: 5_000, interval: 20 });
    for (const node of nodes.values()) expect(node.memory.snapshot().metadata.index, 'no snapshot below minEntries').toBe(0);

    for (let i = 5; i < 15; i++) await leader.driver.propose(put(i), 10_000);
    const applied = leader.driver.applied;
    // Every node, leader and followers, snapshots what it applied once it has been quiet.
    await vi.waitFor(() => {
      for (const node of nodes.values()) expect(node.memory.snapshot().metadata.index).toBe(applied);
    }, { timeout: 10_000, interval: 10 });
    for (const node of nodes.values()) expect(node.durable.disk.snapshot().metadata.index).toBe(applied);
    expect(leader.fsm.totals().files).toBe(15);
  });
});
