// commitIdleMs (issue #11): with the core's lazy commit broadcast, a leader that goes idle after a
// write tells its followers the new commit index itself, without waiting for its next tick, so
// their local reads catch up with its last write. Three real drivers over an in-process network;
// ticks come only when the test gives them, so nothing but the idle check can tell the commit.
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateMachine, type ApplyResult } from '../../../node-runtime/fsm';
import { encodeCommand } from '../../../node-runtime/fsm/commands';
import { processClock, RaftDriver, type DriverClock } from '../../../node-runtime/node/raft-driver';
import { ReplicatedState } from '../../../node-runtime/node/replicated-state';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { Message } from '../../../node-runtime/raft/types';
import { MemoryDurableState } from '../../../node-runtime/storage/memory-durable-state';

const IDS = [1, 2, 3];
let drivers = new Map<number, RaftDriver<ApplyResult>>();
const tickers: (() => void)[] = [];
const sent: Message[] = [];

afterEach(async () => {
  await Promise.all([...drivers.values()].map((d) => d.stop()));
  drivers = new Map();
  tickers.length = 0;
  sent.length = 0;
});

/** The process's timers, except the tick: it runs only when tickAll() says. */
const heldTicks: DriverClock = {
  ...processClock,
  every(_ms, fn) {
    tickers.push(fn);
    return () => undefined;
  },
};

const tickAll = (): void => {
  for (const tick of tickers) tick();
};

function startCluster(commitIdleMs: number | undefined): void {
  for (const id of IDS) {
    const memory = MemoryStorage.withVoters(IDS);
    const driver = new RaftDriver<ApplyResult>({
      id,
      rawNode: new RawNode({ id, electionTicks: 5, heartbeatTicks: 1, storage: memory, random: (n) => Math.floor(Math.random() * n), lazyCommitBroadcast: true }),
      memory,
      durable: new MemoryDurableState(memory.clone()),
      stateMachine: new ReplicatedState(new StateMachine()),
      send: (messages) => {
        for (const m of messages) {
          sent.push(m);
          setImmediate(() => drivers.get(m.to)?.step(m));
        }
      },
      tickMs: 20,
      snapshotThreshold: () => Number.POSITIVE_INFINITY,
      compactionMargin: () => 0,
      applied: 0,
      logger: pino({ level: 'silent' }),
      clock: heldTicks,
      ...(commitIdleMs === undefined ? {} : { commitIdleMs }),
    });
    drivers.set(id, driver);
  }
  for (const driver of drivers.values()) driver.start();
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const emptyFile = (name: string): Uint8Array => encodeCommand({ type: 'put', name, size: 0, sha256: EMPTY_SHA256, chunks: [], at: 1_000 });

/**
 * Ticks every node until one leads, then has it write once and ticks until every node applied
 * that: the followers are then in steady replication (a new leader probes them first, and a probed
 * follower is sent its entries again with the commit that covers them), and waits until no
 * message has been sent for `quietMs`.
 */
async function electedLeader(quietMs: number): Promise<RaftDriver<ApplyResult>> {
  const leader = await vi.waitFor(
    () => {
      tickAll();
      const leaders = [...drivers.values()].filter((d) => d.isLeader);
      if (leaders.length !== 1) throw new Error('no leader yet');
      return leaders[0] as RaftDriver<ApplyResult>;
    },
    { timeout: 20_000, interval: 5 },
  );
  await leader.propose(emptyFile('warm-up'), 20_000);
  await vi.waitFor(
    () => {
      tickAll();
      expect([...drivers.values()].every((d) => d.applied === leader.status().lastIndex)).toBe(true);
    },
    { timeout: 20_000, interval: 5 },
  );
  // What the last ticks sent (heartbeats, their answers, the appends those prompt) lands first.
  for (let seen = -1; seen !== sent.length; ) {
    seen = sent.length;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
  return leader;
}

const followersOf = (leader: RaftDriver<ApplyResult>) => [...drivers.values()].filter((d) => d !== leader);
const emptyAppendsFrom = (leader: number, from: number) => sent.slice(from).filter((m) => m.type === 'app' && m.from === leader && m.entries.length === 0);

describe('a leader gone idle (commitIdleMs)', () => {
  it('tells its followers the commit of its last write without waiting for a tick', async () => {
    startCluster(3);
    const leader = await electedLeader(50);
    const id = leader.status().id;
    const before = sent.length;
    const { index } = await leader.propose(emptyFile('a'), 20_000);
    await vi.waitFor(() => expect(followersOf(leader).map((f) => f.applied)).toEqual([index, index]), { timeout: 20_000, interval: 2 });
    expect(emptyAppendsFrom(id, before).map((m) => m.commit)).toEqual([index, index]);
  }, 60_000);

  it('leaves a commit the next write carries to that write', async () => {
    startCluster(200);
    const leader = await electedLeader(500);
    const id = leader.status().id;
    const before = sent.length;
    const first = await leader.propose(emptyFile('a'), 20_000);
    const second = await leader.propose(emptyFile('b'), 20_000);
    // The second write's appends told the first's commit; the idle check then tells the second's.
    const carried = sent.slice(before).filter((m) => m.type === 'app' && m.from === id && m.entries.some((e) => e.index === second.index));
    expect(carried.map((m) => m.commit)).toEqual([first.index, first.index]);
    await vi.waitFor(() => expect(followersOf(leader).map((f) => f.applied)).toEqual([second.index, second.index]), { timeout: 20_000, interval: 2 });
    expect(emptyAppendsFrom(id, before).map((m) => m.commit)).toEqual([second.index, second.index]);
  }, 60_000);

  it('without it, the followers learn the commit at the next tick', async () => {
    startCluster(undefined);
    const leader = await electedLeader(50);
    const { index } = await leader.propose(emptyFile('a'), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(followersOf(leader).map((f) => f.applied)).toEqual([index - 1, index - 1]);
    tickAll();
    await vi.waitFor(() => expect(followersOf(leader).map((f) => f.applied)).toEqual([index, index]), { timeout: 20_000, interval: 2 });
  }, 60_000);
});
