// The read path: serve a file from local chunks, each verified against its SHA-256 before a byte
// of it leaves; a missing or corrupt chunk is repaired from a peer first. Memory per request is a
// few chunks (the one being sent and READ_AHEAD read ahead), whatever the file's size. A small
// file's bytes come from the state machine (they travelled in its put entry; the node keeps them
// in a pack on disk) and are verified against the file's SHA-256 the same way, and repaired from a
// peer the same way when they do not match.
import { createHash } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileInfo } from '../common/api-types';
import { ApiError } from '../common/errors';
import { isInline } from '../fsm';
import type { ByteRange } from '../ports';
import { ChunkBufferPool } from '../storage/chunk-buffers';
import type { ChunkRepairer } from './chunk-repairer';

/** Chunks a download reads and verifies ahead of the one being sent. */
const READ_AHEAD = 2;

export interface VerifiedChunks {
  /**
   * The chunk's bytes when held here and intact; null when missing or corrupt. Read into `into`
   * when given and large enough (see ChunkStore.readVerified: `into` is handed over).
   */
  readVerified(hash: string, into?: Buffer): Promise<Buffer | null>;
}

/** Bytes lent by the reader: `release` once nothing needs them any more (their buffer is reused). */
interface LentPiece {
  readonly bytes: Buffer;
  release(): void;
}

/** Resolves when `sink` may be written again, or is closed. */
function drainedOrClosed(sink: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      sink.off('drain', done);
      sink.off('close', done);
      resolve();
    };
    sink.on('drain', done);
    sink.on('close', done);
  });
}

export class FileReader {
  constructor(
    private readonly chunks: VerifiedChunks,
    /** A small file's bytes by its SHA-256 (StateMachine.inlineContent). */
    private readonly inlineContent: (sha256: string) => Uint8Array | undefined,
    private readonly repairer: ChunkRepairer,
    /** Repairs a small file's content in the pack (its store writes there, not to the chunk store). */
    private readonly inlineRepairer: ChunkRepairer,
    private readonly onCorruptOrMissing: (hash: string) => void,
    private readonly onServed: (bytes: number) => void,
  ) {}

  read(info: FileInfo, range: ByteRange | null): Readable {
    const pieces = this.pieces(info, range, null);
    return Readable.from((async function* () {
      for await (const piece of pieces) yield piece.bytes;
    })(), { objectMode: false });
  }

  /**
   * Writes the file (or a byte range of it) to `sink` and ends it; resolves once the sink has
   * finished. A download's chunks are read into a few buffers of its own, each reused once the
   * sink has written it (its write callback), instead of a fresh buffer per chunk: a 1 GiB
   * download made 256 buffers of 4 MiB of garbage, and the node's memory rose by up to the 64 MiB
   * of outside memory V8 lets pile up before it collects (memory.test.ts). A failed read destroys
   * the sink (its length falls short, the only signal left once the head is sent) and rejects;
   * so does a sink closed before the end (the client went away), which stops the reads.
   */
  async send(info: FileInfo, range: ByteRange | null, sink: Writable): Promise<void> {
    // Listens for the sink's end from the start: an 'error' it emits (a reset socket, or the
    // destroy below) must have a listener, or it would be thrown at the process.
    const ended = finished(sink);
    ended.catch(() => undefined);
    const largest = info.chunks.reduce((most, chunk) => Math.max(most, chunk.size), 0);
    const pool = new ChunkBufferPool(largest, READ_AHEAD + 2);
    try {
      for await (const piece of this.pieces(info, range, pool)) {
        if (sink.destroyed) {
          piece.release();
          break;
        }
        // Checked right after the write: once `destroyed` is seen false, 'close' is still to come.
        if (!sink.write(piece.bytes, () => piece.release()) && !sink.destroyed) await drainedOrClosed(sink);
      }
      if (!sink.destroyed) sink.end();
    } catch (err) {
      sink.destroy(err as Error);
      throw err;
    } finally {
      // Its buffers go to the node's spares (chunk-buffers.ts), now or as the sink lets go of them.
      pool.keepAtMost(0);
    }
    await ended;
  }

  /** The file's bytes in order; with a pool, in its buffers, each to be released once written. */
  private async *pieces(info: FileInfo, range: ByteRange | null, pool: ChunkBufferPool | null): AsyncGenerator<LentPiece> {
    const first = range?.start ?? 0;
    const last = range?.end ?? info.size - 1;
    if (isInline(info)) {
      const piece = (await this.verifiedInline(info)).subarray(first, last + 1);
      this.onServed(piece.length);
      yield { bytes: piece, release: () => undefined };
      return;
    }
    const wanted: { hash: string; size: number; from: number; to: number }[] = [];
    let offset = 0;
    for (const chunk of info.chunks) {
      const start = offset;
      const end = offset + chunk.size - 1;
      offset += chunk.size;
      if (end < first) continue;
      if (start > last) break;
      wanted.push({ ...chunk, from: Math.max(first, start) - start, to: Math.min(last, end) - start + 1 });
    }
    // The next chunks are read and verified while this one is sent (READ_AHEAD of them, so a
    // request holds at most READ_AHEAD + 1 chunks besides those the sink is still writing). A read
    // ahead that fails is thrown when its turn comes.
    const reads: Promise<LentPiece>[] = [];
    let next = 0;
    for (const chunk of wanted) {
      while (next < wanted.length && reads.length <= READ_AHEAD) {
        const read = this.verifiedChunk(wanted[next++] as { hash: string; size: number }, pool);
        read.catch(() => undefined);
        reads.push(read);
      }
      const whole = await (reads.shift() as Promise<LentPiece>);
      const bytes = whole.bytes.subarray(chunk.from, chunk.to);
      this.onServed(bytes.length);
      yield { bytes, release: whole.release };
    }
  }

  /** The chunk's verified bytes; a chunk missing or corrupt here is repaired from a peer, then read again. */
  private async verifiedChunk(chunk: { hash: string; size: number }, pool: ChunkBufferPool | null): Promise<LentPiece> {
    const held = await this.readChunk(chunk.hash, pool);
    if (held) return held;
    this.onCorruptOrMissing(chunk.hash);
    await this.repairer.repair(chunk.hash, chunk.size);
    const repaired = await this.readChunk(chunk.hash, pool);
    if (repaired) return repaired;
    throw new ApiError('unavailable', `chunk ${chunk.hash.slice(0, 12)}… was repaired from a peer but does not read back intact on this node`);
  }

  private async readChunk(hash: string, pool: ChunkBufferPool | null): Promise<LentPiece | null> {
    const data = await this.chunks.readVerified(hash, pool?.take());
    if (!data) return null;
    // Back to the pool only if it is one of its buffers (a chunk larger than they are got its own).
    const whole = Buffer.from(data.buffer);
    const release = pool && whole.length === pool.chunkSize ? () => pool.give(whole) : () => undefined;
    return { bytes: data, release };
  }

  private async verifiedInline(info: FileInfo): Promise<Buffer> {
    const content = this.inlineContent(info.sha256);
    // Gone only when the file was overwritten or deleted since `info` was read.
    if (content === undefined) throw new Error(`the content of "${info.name}" (SHA-256 ${info.sha256}) is no longer held`);
    const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    if (createHash('sha256').update(bytes).digest('hex') === info.sha256) return bytes;
    this.onCorruptOrMissing(info.sha256);
    await this.inlineRepairer.repair(info.sha256, info.size);
    const repaired = this.inlineContent(info.sha256);
    const again = repaired && Buffer.from(repaired.buffer, repaired.byteOffset, repaired.byteLength);
    if (again && createHash('sha256').update(again).digest('hex') === info.sha256) return again;
    throw new ApiError('unavailable', `the content of "${info.name}" was repaired from a peer but does not read back intact on this node`);
  }
}
