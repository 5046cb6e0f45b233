// Chunks from peers into a real chunk store on disk, copied into a receive buffer as they arrive: stored intact and
// durable, a body of another length or other bytes stores nothing, and receives beyond the buffers
// allowed stream into the store instead of taking more memory.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChunkReceiver } from '../../../node-runtime/services/chunk-receiver';
import type { ChunkStore } from '../../../node-runtime/storage/chunk-store';
import { ChunkHashMismatchError } from '../../../node-runtime/storage/errors';
import { BodyTooLargeError, BodyTooShortError } from '../../../node-runtime/transport';
import { useTempDirs } from '../storage/temp-dir';
import { openStore, sha256 } from './fixtures';

const tempDir = useTempDirs();

/** `data` in 64 KiB pieces, as a socket delivers it. */
const pieces = (data: Buffer): Readable => Readable.from(Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536)));

/** Everything under the store's root but its fan-out directories: chunks and temp files. */
async function filesIn(local: ChunkStore): Promise<string[]> {
  const entries = await fs.readdir(local.root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

/**
 * A store whose `put` notes, once the body ended, whether its pieces were views of one chunk-sized
 * receive buffer ('buffer') or the body's own pieces ('stream').
 */
async function watchedStore(): Promise<{ local: ChunkStore; puts: ('buffer' | 'stream')[] }> {
  const local = await openStore(await tempDir());
  const puts: ('buffer' | 'stream')[] = [];
  const put = local.put.bind(local);
  async function* watched(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const buffers = new Set<number>();
    for await (const piece of source) {
      buffers.add(piece.buffer.byteLength);
      yield piece;
    }
    puts.push(buffers.size === 1 && buffers.has(local.chunkSize) ? 'buffer' : 'stream');
  }
  local.put = (hash, source) => put(hash, source instanceof Uint8Array ? source : watched(source));
  return { local, puts };
}

describe('ChunkReceiver', () => {
  const data = randomBytes(1024 * 1024 + 123);
  const hash = sha256(data);

  it('stores a chunk copied into a buffer as it arrives, then collects the young generation once', async () => {
    const { local, puts } = await watchedStore();
    let collections = 0;
    const receiver = new ChunkReceiver(local, { buffers: 2, collectGarbage: () => (collections += 1) });
    expect(await receiver.store(hash, pieces(data), data.length)).toEqual({ hash, size: data.length });
    const other = randomBytes(4096);
    await receiver.store(sha256(other), pieces(other), other.length);
    expect((await local.read(hash)).equals(data)).toBe(true);
    expect((await local.read(sha256(other))).equals(other)).toBe(true);
    expect(puts).toEqual(['buffer', 'buffer']);
    expect(collections).toBe(2);
  });

  it('stores nothing from a body shorter or longer than announced, or of other bytes', async () => {
    const { local } = await watchedStore();
    const receiver = new ChunkReceiver(local);
    await expect(receiver.store(hash, pieces(data.subarray(1)), data.length)).rejects.toBeInstanceOf(BodyTooShortError);
    await expect(receiver.store(hash, pieces(Buffer.concat([data, data.subarray(0, 1)])), data.length)).rejects.toBeInstanceOf(BodyTooLargeError);
    const damaged = Buffer.from(data);
    damaged[5] = (damaged[5] as number) ^ 1;
    await expect(receiver.store(hash, pieces(damaged), data.length)).rejects.toBeInstanceOf(ChunkHashMismatchError);
    expect(await local.has(hash)).toBe(false);
    expect(await filesIn(local)).toEqual([]);
  });

  it('streams a chunk into the store when every buffer is taken, or when it is larger than a buffer', async () => {
    const { local, puts } = await watchedStore();
    const receiver = new ChunkReceiver(local, { buffers: 1 });
    const slow = new PassThrough();
    const first = receiver.store(hash, slow, data.length);
    slow.write(data.subarray(0, 1000));
    const other = randomBytes(4096);
    await receiver.store(sha256(other), pieces(other), other.length);
    slow.end(data.subarray(1000));
    await first;
    const large = randomBytes(local.chunkSize + 1);
    await receiver.store(sha256(large), pieces(large), large.length);
    // Noted as each body ends: the first ends after the other streamed in.
    expect(puts).toEqual(['stream', 'buffer', 'stream']);
    expect((await local.read(hash)).equals(data)).toBe(true);
    expect((await local.read(sha256(other))).equals(other)).toBe(true);
    expect(await local.verify(sha256(large))).toBe(true);
  });
});
