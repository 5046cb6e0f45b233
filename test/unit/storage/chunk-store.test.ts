import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkStore } from '../../../node-runtime/storage/chunk-store';
import { ChunkHashMismatchError, ChunkNotFoundError, InvalidChunkHashError } from '../../../node-runtime/storage/errors';
import { useTempDirs } from './temp-dir';

const tempDir = useTempDirs();

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function* pieces(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('ChunkStore', () => {
  it('stores a chunk by its SHA-256 under a fan-out directory and reads it back', async () => {
    const dataDir = await tempDir();
    const store = await ChunkStore.open(dataDir);
    const data = Buffer.from('hello chunk');
    const hash = sha256(data);
    expect(await store.has(hash)).toBe(false);
    expect(await store.put(hash, data)).toEqual({ hash, size: data.length });
    expect(await store.has(hash)).toBe(true);
    expect(store.pathOf(hash)).toBe(path.join(dataDir, 'chunks', hash.slice(0, 2), hash));
    expect(await store.read(hash)).toEqual(data);
    expect(await store.verify(hash)).toBe(true);
    const ranged: Buffer[] = [];
    for await (const piece of await store.get(hash, { start: 6, end: 10 })) ranged.push(piece as Buffer);
    expect(Buffer.concat(ranged).toString()).toBe('chunk');
  });

  it('puts from a stream, lists and counts chunks, deletes them', async () => {
    const store = await ChunkStore.open(await tempDir());
    const blobs = [Buffer.alloc(70_000, 1), Buffer.alloc(5, 2), Buffer.from('third')];
    for (const blob of blobs) await store.put(sha256(blob), pieces(blob, 16_384));
    const listed: string[] = [];
    for await (const hash of store.list()) listed.push(hash);
    expect(listed).toEqual(blobs.map(sha256).sort());
    expect(await store.stats()).toEqual({ count: 3, bytes: 70_010 });
    expect(await store.delete(sha256(blobs[0] ?? Buffer.alloc(0)))).toBe(true);
    expect(await store.delete(sha256(blobs[0] ?? Buffer.alloc(0)))).toBe(false);
    expect(await store.stats()).toEqual({ count: 2, bytes: 10 });
  });

  it('replaces a damaged stored copy when the chunk is put again', async () => {
    const store = await ChunkStore.open(await tempDir());
    const data = Buffer.from('the real bytes of a chunk');
    const hash = sha256(data);
    await store.put(hash, data);
    await fs.writeFile(store.pathOf(hash), Buffer.from('the rotten bytes of a chunk'));
    expect(await store.verify(hash)).toBe(false);
    await store.put(hash, data);
    expect(await store.verify(hash)).toBe(true);
    expect(await store.read(hash)).toEqual(data);
  });

  it('rejects content that does not match its hash and leaves nothing behind', async () => {
    const dataDir = await tempDir();
    const store = await ChunkStore.open(dataDir);
    const claimed = sha256(Buffer.from('what the peer promised'));
    const err = await store.put(claimed, pieces(Buffer.from('what the peer sent instead'), 4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChunkHashMismatchError);
    expect(err).toMatchObject({ expected: claimed, actual: sha256(Buffer.from('what the peer sent instead')), size: 26 });
    expect(await store.has(claimed)).toBe(false);
    expect(await allFiles(dataDir)).toEqual([]);
  });

  it('still checks the content offered for a chunk it already holds', async () => {
    const store = await ChunkStore.open(await tempDir());
    const data = Buffer.from('stored once');
    await store.put(sha256(data), data);
    await expect(store.put(sha256(data), Buffer.from('impostor'))).rejects.toBeInstanceOf(ChunkHashMismatchError);
    expect(await store.put(sha256(data), data)).toEqual({ hash: sha256(data), size: data.length });
    expect(await store.read(sha256(data))).toEqual(data);
  });

  it('refuses malformed hashes before touching a path', async () => {
    const store = await ChunkStore.open(await tempDir());
    for (const bad of ['../../etc/passwd', 'ABCDEF'.padEnd(64, '0'), 'ab', `${'a'.repeat(64)}/x`]) {
      await expect(store.has(bad)).rejects.toBeInstanceOf(InvalidChunkHashError);
      await expect(store.put(bad, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidChunkHashError);
    }
  });

  it('reports missing chunks with a typed error', async () => {
    const store = await ChunkStore.open(await tempDir());
    const missing = sha256(Buffer.from('never stored'));
    await expect(store.get(missing)).rejects.toBeInstanceOf(ChunkNotFoundError);
    await expect(store.verify(missing)).rejects.toBeInstanceOf(ChunkNotFoundError);
  });

  it('verify notices a chunk damaged on disk', async () => {
    const store = await ChunkStore.open(await tempDir());
    const data = Buffer.alloc(10_000, 7);
    const hash = sha256(data);
    await store.put(hash, data);
    const file = store.pathOf(hash);
    const onDisk = await fs.readFile(file);
    onDisk.writeUInt8(8, 5000);
    await fs.writeFile(file, onDisk);
    expect(await store.verify(hash)).toBe(false);
  });

  it('concurrent puts of the same chunk both succeed and store it once', async () => {
    const dataDir = await tempDir();
    const store = await ChunkStore.open(dataDir);
    const data = Buffer.alloc(300_000, 3);
    const hash = sha256(data);
    const results = await Promise.all(Array.from({ length: 5 }, () => store.put(hash, pieces(data, 65_536))));
    expect(results.every((r) => r.hash === hash && r.size === data.length)).toBe(true);
    expect(await allFiles(dataDir)).toEqual([path.join('chunks', hash.slice(0, 2), hash)]);
  });

  it('cleanupTemp removes leftovers of crashed writes but not writes in progress', async () => {
    const dataDir = await tempDir();
    const store = await ChunkStore.open(dataDir);
    const leftover = path.join(store.root, 'chunk.tmp-424242-0123abcd');
    await fs.writeFile(leftover, 'half a chunk');
    const running = await store.beginChunk();
    await running.write(Buffer.from('in progress'));

    expect(await store.cleanupTemp()).toBe(1);
    await expect(fs.stat(leftover)).rejects.toMatchObject({ code: 'ENOENT' });
    const ref = await running.commit();
    expect(await store.read(ref.hash)).toEqual(Buffer.from('in progress'));

    await fs.writeFile(leftover, 'another crash');
    await ChunkStore.open(dataDir); // opening cleans up too
    await expect(fs.stat(leftover)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
