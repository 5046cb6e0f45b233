// The repairer over real chunk stores on disk: a chunk streams from a peer into the local store,
// checked on the way, so a peer that sends other bytes, too many or too few leaves nothing stored
// (no chunk, no temp file) and the next peer is asked. Both ways a node may store the bytes: streamed
// into the store, or read into a ChunkReceiver's buffer with the store alone checking the hash.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChunkReceiver } from '../../../node-runtime/services/chunk-receiver';
import { ChunkRepairer, type RepairSources } from '../../../node-runtime/services/chunk-repairer';
import type { ChunkStore } from '../../../node-runtime/storage/chunk-store';
import { useTempDirs } from '../storage/temp-dir';
import { openStore, sha256 } from './fixtures';

const tempDir = useTempDirs();

async function store(): Promise<ChunkStore> {
  return openStore(await tempDir());
}

/** Everything under the store's root but its fan-out directories: chunks and temp files. */
async function filesIn(local: ChunkStore): Promise<string[]> {
  const entries = await fs.readdir(local.root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

/**
 * How the fetched bytes reach the store: straight into ChunkStore.put, checked (hashed) on the way,
 * or as a node stores them: through a ChunkReceiver's buffer, the store alone checking the hash.
 */
const STORES = {
  'streamed into the store': (local: ChunkStore): Pick<RepairSources, 'store' | 'storeVerifies'> => ({
    store: async (hash, body) => {
      await local.put(hash, body);
    },
  }),
  'through a receive buffer, hashed by the store': (local: ChunkStore): Pick<RepairSources, 'store' | 'storeVerifies'> => {
    const receiver = new ChunkReceiver(local);
    return {
      store: async (hash, body, size) => {
        await receiver.store(hash, body, size);
      },
      storeVerifies: true,
    };
  },
};

/** A repairer into `local` whose peers answer with the streams `answers` makes (node 2, then node 3). */
function repairerFor(local: ChunkStore, answers: Record<number, () => Readable>, how: keyof typeof STORES): { repairer: ChunkRepairer; destroyed: number[] } {
  const destroyed: number[] = [];
  const repairer = new ChunkRepairer({
    peers: () => Object.keys(answers).map(Number),
    fetch: async (peer) => {
      const stream = (answers[peer] as () => Readable)();
      stream.once('close', () => stream.readableEnded || destroyed.push(peer));
      return stream;
    },
    ...STORES[how](local),
  });
  return { repairer, destroyed };
}

/** `data` in 64 KiB pieces, as a socket delivers it. */
const pieces = (data: Buffer): Readable => Readable.from(Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536)));

describe.each(Object.keys(STORES) as (keyof typeof STORES)[])('ChunkRepairer, chunks %s', (how) => {
  const data = randomBytes(1024 * 1024 + 123);
  const hash = sha256(data);

  it('streams a peer\'s copy into the store and counts it', async () => {
    const local = await store();
    const { repairer } = repairerFor(local, { 2: () => pieces(data) }, how);
    await repairer.repair(hash, data.length);
    expect((await local.read(hash)).equals(data)).toBe(true);
    expect(repairer.counters).toEqual({ chunksFetched: 1, bytesFetched: data.length, failures: 0 });
  });

  it('stores nothing from a peer whose bytes do not match, and takes the next peer\'s', async () => {
    const local = await store();
    const damaged = Buffer.from(data);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 1;
    const { repairer } = repairerFor(local, { 2: () => pieces(damaged), 3: () => pieces(data) }, how);
    await repairer.repair(hash, data.length);
    expect((await local.read(hash)).equals(data)).toBe(true);
    expect(await filesIn(local)).toEqual([hash]);
  });

  it('stops reading a peer that sends more than the chunk, and stores nothing from one that sends less', async () => {
    const local = await store();
    const { repairer, destroyed } = repairerFor(local, {
      2: () => pieces(Buffer.concat([data, randomBytes(1024 * 1024)])),
      3: () => pieces(data.subarray(0, data.length - 1)),
    }, how);
    const failed = repairer.repair(hash, data.length);
    await expect(failed).rejects.toThrow(/no peer could supply it.*node 2: sent more than the chunk's.*node 3: sent 1048698 bytes that do not match/);
    expect(destroyed).toEqual([2]);
    expect(await local.has(hash)).toBe(false);
    expect(await filesIn(local)).toEqual([]);
    expect(repairer.counters.failures).toBe(1);
  });

  it('replaces a damaged copy, checked as it arrives', async () => {
    const local = await store();
    await local.put(hash, data);
    const file = local.pathOf(hash);
    const bytes = await fs.readFile(file);
    bytes[7] = (bytes[7] as number) ^ 0xff;
    await fs.writeFile(file, bytes);
    const { repairer } = repairerFor(local, { 2: () => pieces(data) }, how);
    await repairer.repair(hash, data.length);
    expect(await local.verify(hash)).toBe(true);
  });
});
