// The leader client on a real Raft driver: its view of the leader, and takeLeadership(), whose
// wait runs on the injected clock (a fake one here), so giving up takes no real time.
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateMachine, type ApplyResult } from '../../../node-runtime/fsm';
import { RaftDriver } from '../../../node-runtime/node/raft-driver';
import { ReplicatedState } from '../../../node-runtime/node/replicated-state';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import { LeaderClient } from '../../../node-runtime/services/leader-client';
import { MemoryDurableState } from '../../../node-runtime/storage/memory-durable-state';
import { PeerTransport } from '../../../node-runtime/transport';
import { nodeApiRequester } from '../../../node-runtime/transport/tls';
import { FakeClock } from './fake-clock';

const SELF_URL = 'http://127.0.0.1:18081';
let drivers: RaftDriver<ApplyResult>[] = [];

afterEach(async () => {
  await Promise.all(drivers.map((d) => d.stop()));
  drivers = [];
});

/** Node 1 of a cluster of `voters`, the others never started: alone it leads only a cluster of one. */
function node1(voters: number[]) {
  const memory = MemoryStorage.withVoters(voters);
  const driver = new RaftDriver<ApplyResult>({
    id: 1,
    rawNode: new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage: memory, random: (n) => Math.floor(Math.random() * n), preVote: true, checkQuorum: true }),
    memory,
    durable: new MemoryDurableState(memory.clone()),
    stateMachine: new ReplicatedState(new StateMachine()),
    send: () => undefined,
    tickMs: 2,
    snapshotThreshold: () => Number.POSITIVE_INFINITY,
    compactionMargin: () => 0,
    applied: 0,
    logger: pino({ level: 'silent' }),
  });
  drivers.push(driver);
  const transport = new PeerTransport({ selfId: 1, listen: { host: '127.0.0.1', port: 0 }, peers: new Map(), secret: 's', selfHttpUrl: SELF_URL });
  const clock = new FakeClock();
  const leader = new LeaderClient({ selfId: 1, selfHttpUrl: SELF_URL, raft: driver, transport, apiToken: null, requestNode: nodeApiRequester(null), electionTimeoutMs: () => 1_000, requestTimeoutMs: 1_000, clock });
  driver.start();
  return { driver, leader, clock };
}

describe('LeaderClient', () => {
  it('names this node once it leads, and taking leadership it holds answers at once', async () => {
    const { driver, leader } = node1([1]);
    await vi.waitFor(() => expect(driver.isLeader).toBe(true));
    await vi.waitFor(() => expect(leader.isReady()).toBe(true));
    expect(leader.behindLeader()).toBe(0);
    await expect(leader.takeLeadership()).resolves.toMatchObject({ isLeader: true, leaderId: 1, leaderUrl: SELF_URL });
  });

  it('stops naming this node leader the moment its core steps down, before the driver takes that Ready', async () => {
    const { driver, leader } = node1([1]);
    await vi.waitFor(() => expect(driver.isLeader).toBe(true));
    const { term } = leader.view();
    // A heartbeat of a later term from another leader: the core follows it at once; the driver's
    // role changes only when it takes the next Ready (a later turn).
    driver.step({ type: 'heartbeat', from: 2, to: 1, term: term + 1, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });
    expect(driver.isLeader).toBe(true);
    expect(leader.view()).toMatchObject({ isLeader: false, leaderId: 2, term: term + 1 });
  });

  it('gives up taking leadership after two election timeouts plus 2 s of clock time', async () => {
    const { leader, clock } = node1([1, 2]);
    expect(leader.view()).toMatchObject({ isLeader: false, leaderId: null });
    expect(leader.isReady()).toBe(false);
    let outcome: unknown = null;
    void leader.takeLeadership().then(
      (view) => (outcome = view),
      (err: unknown) => (outcome = err),
    );
    await clock.advance(3_980);
    expect(outcome).toBeNull();
    await clock.advance(40);
    expect(outcome).toMatchObject({ code: 'unavailable', message: expect.stringContaining('could not take leadership') });
  });

  it('awaitLeader answers at its next look once a leader can take writes', async () => {
    const { driver, leader, clock } = node1([1]);
    let outcome: unknown = null;
    void leader.awaitLeader(60_000).then((view) => (outcome = view));
    await vi.waitFor(() => expect(driver.isLeader).toBe(true));
    expect(outcome).toBeNull();
    await clock.advance(10);
    expect(outcome).toMatchObject({ isLeader: true, leaderId: 1, leaderUrl: SELF_URL });
  });

  it('awaitLeader waits through an election up to its deadline of clock time, then gives the leaderless view', async () => {
    const { leader, clock } = node1([1, 2]);
    let outcome: unknown = null;
    void leader.awaitLeader(10_000).then((view) => (outcome = view));
    await clock.advance(9_990);
    expect(outcome).toBeNull();
    await clock.advance(20);
    expect(outcome).toMatchObject({ isLeader: false, leaderId: null, leaderUrl: null });
  });
});
