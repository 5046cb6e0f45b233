// The driver's half of Raft thesis §10.2.1, on three real drivers wired by an in-process network
// (real timers, 2 ms ticks, elections after 100–200 ms so that a held disk deposes no one): a
// leader sends new entries while its own write is still under way, and a follower still
// acknowledges only what it has written.
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateMachine, type ApplyResult } from '../../../node-runtime/fsm';
import { encodeCommand } from '../../../node-runtime/fsm/commands';
import { RaftDriver, type DurableState } from '../../../node-runtime/node/raft-driver';
import { ReplicatedState } from '../../../node-runtime/node/replicated-state';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { Message } from '../../../node-runtime/raft/types';
import { MemoryDurableState } from '../../../node-runtime/storage/memory-durable-state';

const IDS = [1, 2, 3];
let drivers = new Map<number, RaftDriver<ApplyResult>>();
let disks = new Map<number, HeldDisk>();
const sent: Message[] = [];

afterEach(async () => {
  for (const disk of disks.values()) disk.release();
  await Promise.all([...drivers.values()].map((d) => d.stop()));
  drivers = new Map();
  disks = new Map();
  sent.length = 0;
});

/**
 * A disk whose writes of entries (or, with holdCommits, of a hard state alone) can be held back,
 * as a slow fsync, or a write stalled behind the journal, would hold them.
 */
class HeldDisk implements DurableState {
  private held = false;
  private heldCommits = false;
  private readonly waiting: (() => void)[] = [];
  readonly inner: MemoryDurableState;

  constructor(memory: MemoryStorage) {
    this.inner = new MemoryDurableState(memory.clone());
  }

  hold(): void {
    this.held = true;
  }

  holdCommits(): void {
    this.heldCommits = true;
  }

  release(): void {
    this.held = false;
    this.heldCommits = false;
    for (const go of this.waiting.splice(0)) go();
  }

  get writesWaiting(): number {
    return this.waiting.length;
  }

  save(update: Parameters<DurableState['save']>[0]): Promise<void> {
    const holds = update.entries.length > 0 ? this.held : this.heldCommits && update.hardState !== undefined;
    if (!holds) return this.inner.save(update);
    return new Promise((resolve) => this.waiting.push(() => resolve(this.inner.save(update))));
  }

  saveSnapshot: DurableState['saveSnapshot'] = (s) => this.inner.saveSnapshot(s);
  compact: DurableState['compact'] = (m, d, c) => this.inner.compact(m, d, c);
  loadSnapshot: DurableState['loadSnapshot'] = (m) => this.inner.loadSnapshot(m);
}

function startCluster(): void {
  for (const id of IDS) {
    const memory = MemoryStorage.withVoters(IDS);
    const disk = new HeldDisk(memory);
    disks.set(id, disk);
    const driver = new RaftDriver<ApplyResult>({
      id,
      rawNode: new RawNode({ id, electionTicks: 50, heartbeatTicks: 1, storage: memory, random: (n) => Math.floor(Math.random() * n), preVote: true, checkQuorum: true }),
      memory,
      durable: disk,
      stateMachine: new ReplicatedState(new StateMachine()),
      send: (messages) => {
        for (const m of messages) {
          sent.push(m);
          setImmediate(() => drivers.get(m.to)?.step(m));
        }
      },
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

async function settledLeader(): Promise<{ leader: number; followers: number[] }> {
  const leader = await vi.waitFor(
    () => {
      const leaders = IDS.filter((id) => drivers.get(id)?.isLeader);
      if (leaders.length !== 1 || IDS.some((id) => drivers.get(id)?.leaderId !== leaders[0])) throw new Error('no settled leader yet');
      return leaders[0] as number;
    },
    { timeout: 20_000, interval: 5 },
  );
  // The leader's no-op is applied everywhere, so the next index is the proposal's.
  const d = drivers.get(leader) as RaftDriver<ApplyResult>;
  await vi.waitFor(() => expect(IDS.every((id) => drivers.get(id)?.applied === d.status().lastIndex)).toBe(true), { timeout: 20_000, interval: 5 });
  return { leader, followers: IDS.filter((id) => id !== leader) };
}

const carries = (index: number) => (m: Message) => m.type === 'app' && m.entries.some((e) => e.index === index);
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const emptyFile = (name: string): Uint8Array => encodeCommand({ type: 'put', name, size: 0, sha256: EMPTY_SHA256, chunks: [], at: 1_000 });

describe('the Raft driver', () => {
  it('sends a leader’s new entries while its own write is under way, and commits once it lands', async () => {
    startCluster();
    const { leader } = await settledLeader();
    const d = drivers.get(leader) as RaftDriver<ApplyResult>;
    const disk = disks.get(leader) as HeldDisk;
    disk.hold();
    const index = d.status().lastIndex + 1;
    const proposal = d.propose(emptyFile(`f-${index}`), 20_000);
    await vi.waitFor(() => expect(disk.writesWaiting).toBe(1), { timeout: 20_000, interval: 2 });
    const recipients = () => new Set(sent.filter(carries(index)).map((m) => m.to));
    await vi.waitFor(() => expect(recipients().size).toBe(2), { timeout: 20_000, interval: 2 });
    // Both followers persisted and acknowledged it; the leader cannot apply before its own write.
    const acknowledgedBy = () => new Set(sent.filter((m) => m.type === 'appResp' && m.to === leader && !m.reject && m.index >= index).map((m) => m.from));
    await vi.waitFor(() => expect(acknowledgedBy().size).toBe(2), { timeout: 20_000, interval: 2 });
    expect(disk.writesWaiting).toBe(1);
    expect(d.applied).toBeLessThan(index);
    disk.release();
    await expect(proposal).resolves.toMatchObject({ index });
  }, 60_000);

  it('has a follower acknowledge an entry only once its write is durable', async () => {
    startCluster();
    const { leader, followers } = await settledLeader();
    const slow = followers[0] as number;
    const disk = disks.get(slow) as HeldDisk;
    disk.hold();
    const d = drivers.get(leader) as RaftDriver<ApplyResult>;
    const index = d.status().lastIndex + 1;
    const proposal = d.propose(emptyFile(`f-${index}`), 20_000);
    await vi.waitFor(() => expect(disk.writesWaiting).toBe(1), { timeout: 20_000, interval: 2 });
    // The other follower's acknowledgement commits it meanwhile.
    await expect(proposal).resolves.toMatchObject({ index });
    const acksFromSlow = () => sent.filter((m) => m.type === 'appResp' && m.from === slow && !m.reject && m.index >= index);
    expect(acksFromSlow()).toEqual([]);
    expect(disk.inner.disk.lastIndex()).toBeLessThan(index);
    disk.release();
    await vi.waitFor(() => expect(acksFromSlow().length).toBeGreaterThan(0), { timeout: 20_000, interval: 2 });
    expect(disk.inner.disk.lastIndex()).toBeGreaterThanOrEqual(index);
  }, 60_000);

  it('answers a committed write while the new commit index is still being written', async () => {
    startCluster();
    const { leader } = await settledLeader();
    const d = drivers.get(leader) as RaftDriver<ApplyResult>;
    const disk = disks.get(leader) as HeldDisk;
    disk.holdCommits();
    const index = d.status().lastIndex + 1;
    await expect(d.propose(emptyFile(`f-${index}`), 20_000)).resolves.toMatchObject({ index });
    // Its entry is on the leader's disk; the commit index that covers it is not there yet.
    expect(disk.inner.disk.lastIndex()).toBeGreaterThanOrEqual(index);
    expect(disk.writesWaiting).toBe(1);
    expect(disk.inner.disk.initialState().hardState.commit).toBeLessThan(index);
    disk.release();
    await vi.waitFor(() => expect(disk.inner.disk.initialState().hardState.commit).toBeGreaterThanOrEqual(index), { timeout: 20_000, interval: 2 });
  }, 60_000);
});
