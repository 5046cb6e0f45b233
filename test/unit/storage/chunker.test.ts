import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChunkStore } from '../../../node-runtime/storage/chunk-store';
import { storeChunked } from '../../../node-runtime/storage/chunker';
import { useTempDirs } from './temp-dir';

const tempDir = useTempDirs();
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('storeChunked', () => {
  it('cuts a stream into fixed-size chunks, whatever the piece sizes', async () => {
    const store = await ChunkStore.open(await tempDir(), { chunkSize: 1000 });
    const content = Buffer.alloc(4321);
    for (let i = 0; i < content.length; i++) content.writeUInt8((i * 7) % 256, i);
    const sizes = [1, 999, 1500, 3, 1818];
    const source = Readable.from(sizes.map((s, i) => content.subarray(sizes.slice(0, i).reduce((a, b) => a + b, 0), sizes.slice(0, i + 1).reduce((a, b) => a + b, 0))));
    const seen: number[] = [];

    const file = await storeChunked(source, store, { onChunk: (_chunk, index) => void seen.push(index) });
    expect(file.size).toBe(4321);
    expect(file.sha256).toBe(sha256(content));
    expect(file.chunks.map((c) => c.size)).toEqual([1000, 1000, 1000, 1000, 321]);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    const back = Buffer.concat(await Promise.all(file.chunks.map((c) => store.read(c.hash))));
    expect(back).toEqual(content);
    for (const c of file.chunks) expect(c.hash).toBe(sha256(await store.read(c.hash)));
  });

  it('stores an empty file as no chunks', async () => {
    const store = await ChunkStore.open(await tempDir());
    expect(await storeChunked(Readable.from([]), store)).toEqual({ size: 0, sha256: sha256(new Uint8Array()), chunks: [] });
  });

  it('discards the partial chunk when the source fails', async () => {
    const store = await ChunkStore.open(await tempDir(), { chunkSize: 100 });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(150, 1);
      throw new Error('client disconnected');
    }
    await expect(storeChunked(failing(), store)).rejects.toThrow('client disconnected');
    expect((await fs.readdir(store.root)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect((await store.stats()).count).toBe(1); // the complete first chunk stays, as garbage
  });

  it('streams 256 MiB through with constant memory', async () => {
    const store = await ChunkStore.open(await tempDir());
    const pieceBytes = 1024 * 1024;
    const total = 256 * pieceBytes;
    const expected = createHash('sha256');
    // One buffer, refilled for every piece: if the chunker kept a reference to an earlier piece
    // instead of writing it out, the stored content (and the hashes) would come out wrong.
    const piece = Buffer.alloc(pieceBytes);
    const baseline = process.memoryUsage().arrayBuffers;
    let peakExtra = 0;
    async function* generate(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < total / pieceBytes; i++) {
        piece.fill(i % 256);
        piece.writeUInt32LE(i, 0);
        expected.update(piece);
        peakExtra = Math.max(peakExtra, process.memoryUsage().arrayBuffers - baseline);
        yield piece;
      }
    }

    const file = await storeChunked(generate(), store);
    expect(file.size).toBe(total);
    expect(file.sha256).toBe(expected.digest('hex'));
    expect(file.chunks).toHaveLength(64);
    expect(file.chunks.every((c) => c.size === 4 * 1024 * 1024)).toBe(true);
    expect(await store.stats()).toEqual({ count: 64, bytes: total });
    expect(await store.verify(file.chunks[37]?.hash ?? '')).toBe(true);
    // Buffers held beyond the one reused piece: well under one chunk (4 MiB), nowhere near 256 MiB.
    console.info(`chunker: 256 MiB streamed, peak extra ArrayBuffer memory ${(peakExtra / 1024 / 1024).toFixed(2)} MiB`);
    expect(peakExtra).toBeLessThan(4 * 1024 * 1024);
  }, 30_000);
});
