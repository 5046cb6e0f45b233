import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SnapshotCorruptionError, SnapshotNotFoundError } from '../../../node-runtime/storage/errors';
import { SnapshotStore } from '../../../node-runtime/storage/snapshot-store';
import { useTempDirs } from './temp-dir';
import { snapshotAt } from './wal-fixtures';

const tempDir = useTempDirs();

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** `count` pieces of `size` bytes with deterministic content, hashed as they are produced. */
async function* generated(count: number, size: number, hash = createHash('sha256')): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    const piece = Buffer.alloc(size, i % 251);
    hash.update(piece);
    yield piece;
  }
}

describe('SnapshotStore', () => {
  it('saves a snapshot and loads it back with its metadata', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir);
    expect(await store.loadNewest()).toBeUndefined();
    await store.save({ metadata: snapshotAt(10, 2), data: bytes('state at 10') });
    const reopened = await SnapshotStore.open(dir);
    const snap = await reopened.loadNewest();
    expect(snap?.metadata).toEqual(snapshotAt(10, 2));
    expect(new TextDecoder().decode(snap?.data)).toBe('state at 10');
  });

  it('keeps only the newest N snapshots', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir, { retain: 2 });
    for (const index of [5, 10, 15, 20]) await store.save({ metadata: snapshotAt(index, 1), data: bytes(`s${index}`) });
    expect((await store.list()).map((s) => s.index)).toEqual([20, 15]);
  });

  it('ignores and cleans up a temp file left by a crash mid-write', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir);
    await store.save({ metadata: snapshotAt(10, 1), data: bytes('complete') });
    // A crash during the write of snapshot 20: its temp file holds a valid-looking prefix only.
    const leftover = path.join(dir, 'snap-0000000000000014-0000000000000001.snap.tmp-99999-abcdef');
    await fs.writeFile(leftover, (await fs.readFile((await store.list())[0]?.file ?? '')).subarray(0, 20));

    expect((await store.newest())?.metadata.index).toBe(10);
    const reopened = await SnapshotStore.open(dir); // open cleans leftovers
    await expect(fs.stat(leftover)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await reopened.loadNewest())?.metadata.index).toBe(10);
  });

  it('falls back to the previous snapshot when the newest is damaged', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir, { retain: 3 });
    await store.save({ metadata: snapshotAt(10, 1), data: bytes('older') });
    const newest = await store.save({ metadata: snapshotAt(20, 1), data: bytes('newer state') });
    const buf = await fs.readFile(newest.file);
    buf.writeUInt8(buf.readUInt8(buf.length - 45) ^ 0xff, buf.length - 45);
    await fs.writeFile(newest.file, buf);

    const reported: SnapshotCorruptionError[] = [];
    const snap = await store.loadNewest((err) => reported.push(err));
    expect(snap?.metadata.index).toBe(10);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ file: newest.file, reason: 'checksum mismatch' });
    await expect(store.verify(newest.file)).rejects.toBeInstanceOf(SnapshotCorruptionError);
  });

  it('detects a truncated snapshot file', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir);
    const saved = await store.save({ metadata: snapshotAt(3, 1), data: bytes('x'.repeat(100)) });
    await fs.truncate(saved.file, (await fs.stat(saved.file)).size - 10);
    await expect(store.verify(saved.file)).rejects.toBeInstanceOf(SnapshotCorruptionError);
    expect(await store.newest()).toBeUndefined();
  });

  it('streams a large snapshot in and out with a checksum', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir);
    const written = createHash('sha256');
    const saved = await store.saveStream(snapshotAt(1000, 7), generated(40, 512 * 1024, written));
    expect(saved.dataBytes).toBe(40 * 512 * 1024);

    const found = await store.find(1000, 7);
    const read = createHash('sha256');
    let largestPiece = 0;
    for await (const piece of store.openDataStream(found)) {
      read.update(piece as Buffer);
      largestPiece = Math.max(largestPiece, (piece as Buffer).length);
    }
    expect(read.digest('hex')).toBe(written.digest('hex'));
    expect(largestPiece).toBeLessThanOrEqual(1024 * 1024);
    await expect(store.find(999, 7)).rejects.toBeInstanceOf(SnapshotNotFoundError);
  });

  it('the read stream errors when the data on disk is damaged', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir);
    const saved = await store.save({ metadata: snapshotAt(5, 1), data: new Uint8Array(4096).fill(9) });
    const buf = await fs.readFile(saved.file);
    buf.writeUInt8(0, 2000);
    await fs.writeFile(saved.file, buf);
    const drain = async (): Promise<void> => {
      for await (const piece of store.openDataStream(saved)) void piece;
    };
    await expect(drain()).rejects.toBeInstanceOf(SnapshotCorruptionError);
  });

  it('leaves nothing behind when the incoming stream fails', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytes('partial');
      throw new Error('peer went away');
    }
    await expect(store.saveStream(snapshotAt(8, 1), failing())).rejects.toThrow('peer went away');
    expect(await fs.readdir(dir)).toEqual([]);
  });
});
