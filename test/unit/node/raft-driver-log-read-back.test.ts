// A leader whose applied entries' data left memory reads them back from its WAL for a follower
// that lags (MemoryStorage.spillTo, issue #11). When that read fails — here a frame on disk is
// damaged after it was written — the leader must neither send wrong data nor lead on with one
// warning per message while the follower never catches up: it stops loudly ('fatal'), as for any
// storage failure, so its supervisor restarts it and another node leads. The leader's storage is
// the real one (openNodeStorage: a WAL on disk); the followers keep theirs in memory.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateMachine, type ApplyResult } from '../../../node-runtime/fsm';
import { encodeCommand } from '../../../node-runtime/fsm/commands';
import { openNodeStorage, type OpenedStorage } from '../../../node-runtime/node/open-storage';
import { LogReadBackError, processClock, RaftDriver } from '../../../node-runtime/node/raft-driver';
import { ReplicatedState } from '../../../node-runtime/node/replicated-state';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { Message } from '../../../node-runtime/raft/types';
import { MemoryDurableState } from '../../../node-runtime/storage/memory-durable-state';

const IDS = [1, 2, 3];
const FILE_BYTES = 100 * 1024;
/** More than the 4 MiB of applied entries' data the leader keeps in memory (open-storage.ts). */
const FILES = 48;

let drivers = new Map<number, RaftDriver<ApplyResult>>();
let opened: OpenedStorage | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await Promise.all([...drivers.values()].map((d) => d.stop()));
  drivers = new Map();
  await opened?.storage.close();
  opened = undefined;
  if (dataDir !== undefined) await fs.rm(dataDir, { recursive: true, force: true });
});

const logger = pino({ level: 'silent' });

function driverFor(id: number, memory: MemoryStorage, durable: OpenedStorage['durable'], network: (messages: readonly Message[]) => void): RaftDriver<ApplyResult> {
  return new RaftDriver<ApplyResult>({
    id,
    // Only node 1 campaigns: it must be the one that reads back from a WAL.
    rawNode: new RawNode({ id, electionTicks: id === 1 ? 10 : 100_000, heartbeatTicks: 1, storage: memory, random: (n) => Math.floor(Math.random() * n) }),
    memory,
    durable,
    stateMachine: new ReplicatedState(new StateMachine()),
    send: network,
    tickMs: 20,
    snapshotThreshold: () => Number.POSITIVE_INFINITY,
    compactionMargin: () => 0,
    applied: 0,
    logger,
    clock: processClock,
  });
}

/** A small file carried whole in its entry, its bytes raw in the WAL frame (command format 3). */
function fileContent(i: number): Buffer {
  return Buffer.alloc(FILE_BYTES, `file ${i} of the log read-back test; `);
}

function put(i: number): Uint8Array {
  const content = fileContent(i);
  const sha256 = createHash('sha256').update(content).digest('hex');
  return encodeCommand({ type: 'put', name: `f${i}.bin`, size: content.length, sha256, chunks: [], at: 1_000, inline: content.toString('base64') });
}

/** Flips one byte of `needle` where it lies in a file under `dir` (a WAL segment). */
async function damage(dir: string, needle: Buffer): Promise<string> {
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = await fs.readFile(file);
    const at = bytes.indexOf(needle);
    if (at < 0) continue;
    const handle = await fs.open(file, 'r+');
    await handle.write(Buffer.from([(bytes[at + 100] as number) ^ 0xff]), 0, 1, at + 100);
    await handle.close();
    return file;
  }
  throw new Error('the content is nowhere in the data directory');
}

describe('a leader reading applied entries back from its WAL for a lagging follower', () => {
  it('stops loudly when a frame no longer reads back, and never sends what it read wrong', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dfs-log-read-back-'));
    opened = await openNodeStorage({ dataDir, nodeId: 1, clusterId: 'read-back', founders: IDS, join: false, logger });
    const down = new Set<number>();
    const toFollower3: Message[] = [];
    const network = (messages: readonly Message[]): void => {
      for (const m of messages) {
        setImmediate(() => {
          if (down.has(m.to) || down.has(m.from)) return;
          if (m.to === 3) toFollower3.push(m);
          // As the transport does (inbound-streams.ts): a message the node fails to take is logged.
          try {
            drivers.get(m.to)?.step(m);
          } catch {
            // the driver's own reaction is what this test checks
          }
        });
      }
    };
    drivers.set(1, driverFor(1, opened.memory, opened.durable, network));
    for (const id of [2, 3]) {
      const memory = MemoryStorage.withVoters(IDS);
      drivers.set(id, driverFor(id, memory, new MemoryDurableState(memory.clone()), network));
    }
    const leader = drivers.get(1) as RaftDriver<ApplyResult>;
    const fatal: Error[] = [];
    leader.on('fatal', (err) => fatal.push(err));
    for (const d of drivers.values()) d.start();
    await vi.waitFor(() => expect(leader.isLeader).toBe(true), { timeout: 20_000, interval: 10 });

    down.add(3);
    const indexes: number[] = [];
    for (let i = 0; i < FILES; i++) indexes.push((await leader.propose(put(i), 20_000)).index);
    await damage(dataDir, fileContent(0).subarray(0, 200));
    const appliedBefore = (drivers.get(3) as RaftDriver<ApplyResult>).applied;
    expect(appliedBefore).toBeLessThan(indexes[0] as number);

    down.delete(3);
    await vi.waitFor(() => expect(fatal.map((e) => e.name)).toEqual(['LogReadBackError']), { timeout: 20_000, interval: 10 });
    expect(fatal[0]).toBeInstanceOf(LogReadBackError);
    expect(fatal[0]?.message).toContain(`entry ${indexes[0]}`);
    // Nothing went out with the damaged entry in it, and the follower applied nothing past it.
    const sentEntries = toFollower3.flatMap((m) => (m.type === 'app' ? m.entries : []));
    expect(sentEntries.some((e) => e.index >= (indexes[0] as number))).toBe(false);
    expect((drivers.get(3) as RaftDriver<ApplyResult>).applied).toBeLessThan(indexes[0] as number);
  }, 120_000);
});
