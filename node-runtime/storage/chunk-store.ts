// Content-addressed chunk store: each chunk is a file named by the SHA-256 of its bytes, under
// a two-hex-digit fan-out directory (`chunks/ab/abcdef…`) so no directory grows huge.
//
// A chunk becomes visible under its name only once its bytes are fsynced and the rename is
// durable, so "held" always means "survives a crash". Bytes are hashed as they are written, and
// content that does not match the name it was offered under is never stored.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AtomicWriter } from './atomic-file';
import { BatchedWrites } from './batched-writes';
import { mkdirDurable } from './durable-fs';
import { ChunkHashMismatchError, ChunkNotFoundError, InvalidChunkHashError } from './errors';
import { sha256Workers } from './sha256-workers';
import { isNotFound, removeTempFiles } from './temp-files';

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

export interface ChunkRef {
  readonly hash: string;
  readonly size: number;
}

export interface ChunkStoreStats {
  readonly count: number;
  readonly bytes: number;
}

export interface ChunkStoreOptions {
  /** Size the chunker cuts files into. Default 4 MiB. Chunks of any size can be stored. */
  readonly chunkSize?: number;
}

const CHUNK_HASH = /^[0-9a-f]{64}$/;
const FAN_OUT_DIR = /^[0-9a-f]{2}$/;

export function isChunkHash(hash: string): boolean {
  return CHUNK_HASH.test(hash);
}

function assertChunkHash(hash: string): void {
  if (!isChunkHash(hash)) throw new InvalidChunkHashError(hash);
}

/**
 * A chunk being written: bytes are hashed as they come and go to a temp file in large batched
 * writes (BatchedWrites); `commit` or `seal` names it.
 */
export class ChunkWriter {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private readonly writes: BatchedWrites;

  /** Created by ChunkStore.beginChunk; `land` renames the finished file into the store. */
  constructor(
    private readonly file: AtomicWriter,
    private readonly land: (hash: string, file: AtomicWriter) => Promise<void>,
  ) {
    this.writes = new BatchedWrites((pieces) => file.writeAll(pieces));
  }

  get size(): number {
    return this.bytes;
  }

  /**
   * Takes `piece` (kept, not copied: it must stay unchanged until the chunk is stored or
   * aborted). Resolves at once unless earlier pieces are still being written; rejects when a
   * write failed.
   */
  async write(piece: Uint8Array): Promise<void> {
    this.hash.update(piece);
    this.bytes += piece.length;
    await this.writes.add(piece);
  }

  /**
   * Stores the chunk durably under the hash of what was written. With `expected`, a different
   * hash throws ChunkHashMismatchError and removes the temp file.
   */
  async commit(expected?: string): Promise<ChunkRef> {
    const hash = this.hash.digest('hex');
    if (expected !== undefined && hash !== expected) {
      await this.abort();
      throw new ChunkHashMismatchError(expected, hash, this.bytes);
    }
    await this.store(hash);
    return { hash, size: this.bytes };
  }

  /**
   * Names the chunk by the hash of what was written and starts storing it durably; `written`
   * settles once every piece is in the file (they may change after that), `durable` once the
   * chunk is stored (the chunker writes the next chunk meanwhile).
   */
  seal(): { ref: ChunkRef; written: Promise<void>; durable: Promise<void> } {
    const ref = { hash: this.hash.digest('hex'), size: this.bytes };
    const written = this.writes.flush();
    return { ref, written, durable: this.store(ref.hash, written) };
  }

  async abort(): Promise<void> {
    await this.writes.settle();
    await this.file.abort();
  }

  /** Names the chunk once `written` (every piece in the file) resolved. */
  private async store(hash: string, written = this.writes.flush()): Promise<void> {
    try {
      await written;
    } catch (err) {
      await this.file.abort();
      throw err;
    }
    await this.land(hash, this.file);
  }
}

export class ChunkStore {
  /** Fan-out directories known to exist (durably), to skip a mkdir per chunk. */
  private readonly fanOutDirs = new Set<string>();
  /** Chunks being renamed into place whose directory is not yet fsynced: not held yet. */
  private readonly landing = new Map<string, Promise<void>>();

  private constructor(
    readonly root: string,
    readonly chunkSize: number,
  ) {}

  /** Opens the store in `<dataDir>/chunks` and removes temp files left by a crash. */
  static async open(dataDir: string, options: ChunkStoreOptions = {}): Promise<ChunkStore> {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size must be a positive integer, got ${chunkSize}`);
    const store = new ChunkStore(path.join(dataDir, 'chunks'), chunkSize);
    await mkdirDurable(store.root);
    await store.cleanupTemp();
    return store;
  }

  /** Where the chunk `hash` lives (whether or not it is stored). */
  pathOf(hash: string): string {
    assertChunkHash(hash);
    return path.join(this.root, hash.slice(0, 2), hash);
  }

  /** True when the chunk is stored durably. */
  async has(hash: string): Promise<boolean> {
    const file = this.pathOf(hash);
    await this.landing.get(hash);
    try {
      await fs.stat(file);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Size and modification time of a stored chunk, or null when it is not stored. */
  async stat(hash: string): Promise<{ size: number; mtimeMs: number } | null> {
    try {
      const info = await fs.stat(this.pathOf(hash));
      return { size: info.size, mtimeMs: info.mtimeMs };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Starts writing a chunk whose hash is not known yet (the chunker's path). */
  async beginChunk(): Promise<ChunkWriter> {
    return new ChunkWriter(await AtomicWriter.open(path.join(this.root, 'chunk')), (hash, file) => this.land(hash, file));
  }

  /**
   * Stores `source` as the chunk `hash`, verifying the hash while writing. Rejects with
   * ChunkHashMismatchError (storing nothing) when the content hashes differently. When an intact
   * copy is already held, the source is still read and checked, but not written again; a damaged
   * copy is replaced, so "stored" always means "stored and intact" (a follower with a rotten copy
   * must not count toward a write's majority, and a repair must actually repair).
   */
  async put(hash: string, source: Uint8Array | AsyncIterable<Uint8Array>): Promise<ChunkRef> {
    assertChunkHash(hash);
    const pieces = source instanceof Uint8Array ? [source] : source;
    if ((await this.has(hash)) && (await this.verify(hash))) return this.checkOnly(hash, pieces);
    const writer = await this.beginChunk();
    try {
      for await (const piece of pieces) await writer.write(piece);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer.commit(hash);
  }

  /** Streams a stored chunk (optionally a byte range, `end` inclusive like fs streams). */
  async get(hash: string, range: { start?: number; end?: number } = {}): Promise<Readable> {
    const handle = await this.openChunk(hash);
    return handle.createReadStream({ ...range, autoClose: true });
  }

  /**
   * A whole chunk in memory (chunks are bounded by the chunk size), unverified. Read into `into`
   * when given and large enough (the bytes returned are then a view of its start), else into a
   * buffer of its own.
   */
  async read(hash: string, into?: Buffer): Promise<Buffer> {
    const handle = await this.openChunk(hash);
    try {
      return await readWhole(handle, into);
    } finally {
      await handle.close();
    }
  }

  /**
   * The chunk's bytes when held here and intact (they still hash to its name); null when missing
   * or corrupt. The read path's hot call: one open, one fstat, one read of the whole chunk into a
   * buffer of its size, one close (no stat first, no pieces to concatenate). Read into `into`
   * when given and large enough (a buffer the caller owns whole, reused across chunks; the bytes
   * returned are then at its start, in a new `Buffer` over the same memory, and `into` itself must
   * not be used again).
   */
  async readVerified(hash: string, into?: Buffer): Promise<Buffer | null> {
    const file = this.pathOf(hash);
    await this.landing.get(hash);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    let data: Buffer;
    try {
      data = await readWhole(handle, into);
    } finally {
      await handle.close();
    }
    // Hashed on a worker thread, so a download's event loop sends one chunk while the next is
    // verified. A thread that died took the buffer with it: read again and hash here.
    const hashed = await sha256Workers.hash(data).catch(() => null);
    if (hashed === null) return this.readVerifiedInPlace(hash);
    return hashed.digest === hash ? hashed.bytes : null;
  }

  private async readVerifiedInPlace(hash: string): Promise<Buffer | null> {
    let data: Buffer;
    try {
      data = await this.read(hash);
    } catch (err) {
      if (err instanceof ChunkNotFoundError) return null;
      throw err;
    }
    return createHash('sha256').update(data).digest('hex') === hash ? data : null;
  }

  /** Re-hashes the chunk on disk: false means it is damaged (bit rot, tampering). */
  async verify(hash: string): Promise<boolean> {
    const stream = await this.get(hash);
    const digest = createHash('sha256');
    for await (const piece of stream) digest.update(piece as Buffer);
    return digest.digest('hex') === hash;
  }

  /**
   * Removes a chunk; false when it was not stored. The removal is not fsynced: a chunk that
   * reappears after a crash is merely garbage to collect again.
   */
  async delete(hash: string): Promise<boolean> {
    const file = this.pathOf(hash);
    await this.landing.get(hash);
    try {
      await fs.unlink(file);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Hashes of all stored chunks, one fan-out directory at a time. */
  async *list(): AsyncGenerator<string> {
    const fanOuts = (await fs.readdir(this.root)).filter((name) => FAN_OUT_DIR.test(name)).sort();
    for (const fanOut of fanOuts) {
      let names: string[];
      try {
        names = await fs.readdir(path.join(this.root, fanOut));
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      for (const name of names.sort()) if (isChunkHash(name) && name.startsWith(fanOut)) yield name;
    }
  }

  async stats(): Promise<ChunkStoreStats> {
    let count = 0;
    let bytes = 0;
    for await (const hash of this.list()) {
      try {
        bytes += (await fs.stat(this.pathOf(hash))).size;
        count += 1;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return { count, bytes };
  }

  /** Removes temp files of chunk writes interrupted by a crash (kept: writes running now). */
  cleanupTemp(): Promise<number> {
    return removeTempFiles(this.root);
  }

  /** Renames a fully written, hash-checked temp file into place as chunk `hash`. */
  private async land(hash: string, file: AtomicWriter): Promise<void> {
    const target = this.pathOf(hash);
    const fanOut = path.dirname(target);
    const landed = (async () => {
      try {
        if (!this.fanOutDirs.has(fanOut)) {
          await mkdirDurable(fanOut);
          this.fanOutDirs.add(fanOut);
        }
      } catch (err) {
        await file.abort();
        throw err;
      }
      await file.commit(target);
    })();
    // Concurrent writers of one chunk write identical bytes; either rename may win.
    const settled = landed.then(
      () => undefined,
      () => undefined,
    );
    this.landing.set(hash, settled);
    try {
      await landed;
    } finally {
      if (this.landing.get(hash) === settled) this.landing.delete(hash);
    }
  }

  private async checkOnly(hash: string, pieces: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<ChunkRef> {
    const digest = createHash('sha256');
    let size = 0;
    for await (const piece of pieces) {
      digest.update(piece);
      size += piece.length;
    }
    const actual = digest.digest('hex');
    if (actual !== hash) throw new ChunkHashMismatchError(hash, actual, size);
    return { hash, size };
  }

  private async openChunk(hash: string): Promise<fs.FileHandle> {
    try {
      return await fs.open(this.pathOf(hash), 'r');
    } catch (err) {
      if (isNotFound(err)) throw new ChunkNotFoundError(hash);
      throw err;
    }
  }
}

/** All of an open file, read into one buffer of its size (a read may return less than asked). */
async function readWhole(handle: fs.FileHandle, into?: Buffer): Promise<Buffer> {
  const { size } = await handle.stat();
  // Its own memory when allocated here (never a slice of Node's shared pool), so it can be
  // handed to a hash thread.
  const data = into !== undefined && into.length >= size ? into : Buffer.allocUnsafeSlow(size);
  let done = 0;
  while (done < size) {
    const { bytesRead } = await handle.read(data, done, size - done, done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return data.subarray(0, done);
}
