// The read path over real chunk stores on disk: every byte range of a file made of several chunks
// reads back exactly (chunks are read and verified ahead of the one being sent, on hash threads
// for the large ones), and a chunk damaged here is repaired from a peer mid-file.
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { FileInfo } from '../../../node-runtime/common/api-types';
import { ChunkRepairer } from '../../../node-runtime/services/chunk-repairer';
import { FileReader } from '../../../node-runtime/services/file-reader';
import type { ChunkStore } from '../../../node-runtime/storage/chunk-store';
import { useTempDirs } from '../storage/temp-dir';
import { WORKER_HASH_MIN_BYTES } from '../../../node-runtime/storage/sha256-workers';
import { damage, openStore, sha256 } from './fixtures';

const tempDir = useTempDirs();

async function store(): Promise<ChunkStore> {
  return openStore(await tempDir());
}

/** A file of chunks of `sizes` (stored in every store given), and a reader over `local` that repairs from `peer`. */
async function setUp(sizes: readonly number[]) {
  const local = await store();
  const peer = await store();
  const content = randomBytes(sizes.reduce((a, b) => a + b, 0));
  const chunks: { hash: string; size: number }[] = [];
  let at = 0;
  for (const size of sizes) {
    const data = content.subarray(at, at + size);
    at += size;
    const hash = sha256(data);
    await local.put(hash, data);
    await peer.put(hash, data);
    chunks.push({ hash, size });
  }
  const info: FileInfo = { name: 'f.bin', size: content.length, sha256: sha256(content), chunks, version: 1, revision: 1, createdAt: new Date(0).toISOString(), modifiedAt: new Date(0).toISOString() };
  const repairer = new ChunkRepairer({
    peers: () => [2],
    fetch: async (_peer, hash) => peer.get(hash),
    store: async (hash, data) => {
      await local.put(hash, data);
    },
  });
  const flagged: string[] = [];
  let served = 0;
  const reader = new FileReader(local, () => undefined, repairer, repairer, (hash) => flagged.push(hash), (bytes) => (served += bytes));
  return { local, peer, content, info, reader, flagged, served: () => served };
}

async function readAll(reader: FileReader, info: FileInfo, range: { start: number; end: number } | null): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of reader.read(info, range)) pieces.push(piece as Buffer);
  return Buffer.concat(pieces);
}

/**
 * A slow sink, as a socket is: each write completes a little later. It checks that a piece's bytes
 * stay as they were written until its write completed (the reader may reuse the buffer only then).
 */
function slowSink(options: { failAfterWrites?: number } = {}) {
  const received: Buffer[] = [];
  const changedBeforeWritten: number[] = [];
  let writes = 0;
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, done) {
      const index = writes++;
      const copy = Buffer.from(chunk);
      if (options.failAfterWrites !== undefined && index >= options.failAfterWrites) {
        done(new Error('the client went away'));
        return;
      }
      setTimeout(() => {
        if (!chunk.equals(copy)) changedBeforeWritten.push(index);
        received.push(copy);
        done();
      }, 3);
    },
  });
  return { sink, received, changedBeforeWritten };
}

describe('FileReader', () => {
  const big = WORKER_HASH_MIN_BYTES + 1000;
  const sizes = [big, big, 1000, big, big, 77];

  it('reads the whole file and every kind of range back exactly', async () => {
    const { content, info, reader, served } = await setUp(sizes);
    expect((await readAll(reader, info, null)).equals(content)).toBe(true);
    expect(served()).toBe(content.length);
    const last = content.length - 1;
    const ranges = [
      { start: 0, end: 0 },
      { start: last, end: last },
      { start: big - 1, end: big }, // across the first boundary
      { start: big + 5, end: 2 * big + 500 }, // from inside chunk 2 into the small chunk
      { start: 10, end: last - 10 }, // every chunk, trimmed at both ends
      { start: 2 * big + 1000, end: 3 * big + 999 }, // exactly chunk 4
    ];
    for (const range of ranges) {
      const got = await readAll(reader, info, range);
      expect(got.equals(content.subarray(range.start, range.end + 1)), `${range.start}-${range.end}`).toBe(true);
    }
  });

  it('repairs a chunk damaged here from the peer in the middle of a read, and reports it', async () => {
    const { local, content, info, reader, flagged } = await setUp(sizes);
    const damaged = info.chunks[3]?.hash as string;
    await damage(local, damaged);
    const got = await readAll(reader, info, null);
    expect(createHash('sha256').update(got).digest('hex')).toBe(info.sha256);
    expect(got.equals(content)).toBe(true);
    expect(flagged).toEqual([damaged]);
    expect(await local.readVerified(damaged)).not.toBeNull();
  });

  it('fails the read when a chunk is damaged everywhere, having served nothing of it or after it', async () => {
    const { local, peer, info, reader } = await setUp(sizes);
    const lost = info.chunks[2]?.hash as string;
    await damage(local, lost);
    await damage(peer, lost);
    const received: number[] = [];
    await expect(async () => {
      for await (const piece of reader.read(info, null)) received.push((piece as Buffer).length);
    }).rejects.toThrow(/no peer could supply it/);
    // The chunks before it may or may not have reached the consumer before the stream failed.
    expect(received.length).toBeLessThanOrEqual(2);
    expect(received.every((length) => length === big)).toBe(true);
  });

  it('sends the whole file and ranges to a slow sink, never touching a buffer before its write completed', async () => {
    const { content, info, reader } = await setUp([big, big, big, big, big, big, big, 77]);
    for (const range of [null, { start: 5, end: content.length - 6 }]) {
      const { sink, received, changedBeforeWritten } = slowSink();
      await reader.send(info, range, sink);
      const expected = range ? content.subarray(range.start, range.end + 1) : content;
      expect(Buffer.concat(received).equals(expected)).toBe(true);
      expect(changedBeforeWritten).toEqual([]);
      expect(sink.writableFinished).toBe(true);
    }
  });

  it('stops reading and rejects when the sink fails (the client went away)', async () => {
    const { info, reader, served } = await setUp([big, big, big, big, big, big, big, big, big, big]);
    const { sink } = slowSink({ failAfterWrites: 2 });
    await expect(reader.send(info, null, sink)).rejects.toThrow();
    expect(sink.destroyed).toBe(true);
    // At most the pieces read ahead when it failed, not the rest of the file.
    expect(served()).toBeLessThan(info.size / 2);
  });

  it('destroys the sink and rejects when a chunk cannot be read anywhere', async () => {
    const { local, peer, info, reader } = await setUp([big, big, big]);
    const lost = info.chunks[1]?.hash as string;
    await damage(local, lost);
    await damage(peer, lost);
    const { sink, received } = slowSink();
    await expect(reader.send(info, null, sink)).rejects.toThrow(/no peer could supply it/);
    expect(sink.destroyed).toBe(true);
    expect(received.reduce((sum, piece) => sum + piece.length, 0)).toBeLessThanOrEqual(big);
  });
});
