// Splits a stream of any size into chunks stored in the chunk store. Each incoming piece is hashed
// and written straight to the current chunk's temp file; a finished chunk is fsynced and renamed
// while the next one is written (at most `inFlight` at a time), so the disk's fsync does not stop
// the body from being read. Each piece is also copied into a pooled chunk buffer that is handed
// over with the chunk, so the caller can push it to followers from memory instead of reading it
// back from disk.
import { createHash } from 'node:crypto';
import { ChunkBufferPool, type SharedChunkBytes } from './chunk-buffers';
import type { ChunkRef, ChunkStore, ChunkWriter } from './chunk-store';

export interface ChunkedFile {
  readonly size: number;
  /** SHA-256 (hex) of the whole content. */
  readonly sha256: string;
  readonly chunks: readonly ChunkRef[];
}

/** One chunk as soon as its bytes are written and hashed, before they are durable. */
export interface SealedChunk {
  readonly ref: ChunkRef;
  readonly index: number;
  /** The chunk's bytes, held once for the receiver, who must `release` them when done. */
  readonly bytes: SharedChunkBytes;
  /** Resolves once the chunk is durable in the local store; rejects when storing it failed. */
  readonly durable: Promise<void>;
  /**
   * Once `durable`: the chunk's bytes read back from the local store (unverified, like a stream of
   * the file) into a buffer of the upload's pool that is idle, held once for the caller, who must
   * `release` them; undefined when no buffer is idle. A push that fell behind the window is sent
   * from there instead of a stream of fresh 64 KiB reads: those are garbage the collector finds
   * only later, and on a leader they were half of what an upload's memory swung by.
   */
  readBack(): Promise<SharedChunkBytes | undefined>;
}

export interface ChunkerOptions {
  /** Defaults to the store's chunk size. */
  readonly chunkSize?: number;
  /**
   * Sealed chunks being fsynced and renamed while the next one is written (default 4: on a busy
   * machine a chunk's fsync, rename and directory fsync took 100–250 ms against 50–100 ms to
   * receive the next chunk, so with 2 the body stopped every other chunk).
   */
  readonly inFlight?: number;
  /**
   * Called with each chunk before it is durable here (e.g. to push it to followers while the local
   * fsync runs). The body is read on once the returned promise resolves: that is the caller's
   * backpressure, and a rejection stops the upload.
   */
  readonly onChunk?: (chunk: SealedChunk) => void | Promise<void>;
  /**
   * Called once a chunk's pieces are all copied into its pooled buffer (they are garbage then): a
   * young-generation collection, so the body's socket pieces do not pile up outside V8's heap until
   * a full collection (node/heap-policy.ts, youngGenerationCollector).
   */
  readonly collectGarbage?: () => void;
}

const DEFAULT_IN_FLIGHT = 4;
/** Free chunk buffers an upload keeps for reuse: its window of chunks kept for pushing, and one being filled. */
const POOLED_BUFFERS = 8;
/**
 * Sealed chunks whose writes may still be under way when the next one begins. Each holds its
 * pooled buffer until its file is written (not until it is durable, which takes longer): on a busy
 * machine without this bound, every landing chunk held a buffer and an upload's memory grew by
 * the whole landing window.
 */
const WRITING_CHUNKS = 2;
/**
 * Free chunk buffers an upload keeps once its body is stored: the pushes still going to a peer
 * behind read chunks back into them (two at a time per peer, ChunkReplication's window), and they
 * may go on for a while (during memory.test.ts's download, 100 chunks and more); the other buffers
 * would sit idle meanwhile, 16–24 MiB more of the node's memory.
 */
const BUFFERS_KEPT_AFTER = 2;

/**
 * Reads `source` to its end and stores it chunk by chunk; resolves once every chunk is durable.
 * If the source, a write or `onChunk` fails, the partial chunk is discarded and the chunks being
 * stored are waited for (no temp file is left behind) before the error is thrown; chunks already
 * stored stay (unreferenced chunks are garbage that collection removes).
 */
export async function storeChunked(source: AsyncIterable<Uint8Array>, store: ChunkStore, options: ChunkerOptions = {}): Promise<ChunkedFile> {
  const chunkSize = options.chunkSize ?? store.chunkSize;
  const inFlight = Math.max(1, options.inFlight ?? DEFAULT_IN_FLIGHT);
  const whole = createHash('sha256');
  const chunks: ChunkRef[] = [];
  const landing: Promise<void>[] = [];
  const writing: Promise<void>[] = [];
  let size = 0;
  let writer: ChunkWriter | undefined;
  // The next chunk's temp file, opened as the last one is sealed, so the open's thread-pool round
  // trip overlaps the seal instead of stalling the body at every chunk boundary.
  let opening: Promise<ChunkWriter> | undefined;
  const pool = new ChunkBufferPool(chunkSize, POOLED_BUFFERS);
  let buffer = pool.take();

  const seal = async (open: ChunkWriter, last: boolean): Promise<void> => {
    writer = undefined;
    const { ref, written, durable } = open.seal();
    // The file was written from this buffer: it goes back to the pool only once those writes are done.
    const hold = pool.share(buffer, ref.size);
    const releaseHold = (): void => hold.release();
    // Settles (never rejects: a failed write is thrown by `durable`) once the buffer is let go.
    writing.push(written.then(releaseHold, releaseHold));
    if (!last) {
      opening = store.beginChunk();
      // A failed open is thrown when the next chunk needs it (or dropped when none does).
      opening.catch(() => undefined);
    }
    const index = chunks.push(ref) - 1;
    // Handled here, so a failure while the next chunk is written is not an unhandled rejection;
    // it is thrown when the window or the end awaits it.
    durable.catch(() => undefined);
    landing.push(durable);
    const bytes = hold.retain();
    buffer = pool.take();
    options.collectGarbage?.();
    const readBack = (): Promise<SharedChunkBytes | undefined> => readBackChunk(pool, store, ref);
    if (options.onChunk) await options.onChunk({ ref, index, bytes, durable, readBack });
    else bytes.release();
  };

  try {
    for await (const piece of source) {
      for (let offset = 0; offset < piece.length; ) {
        if (writer === undefined) {
          // Sealed chunks land in order: once chunk n - inFlight has, at most inFlight are landing.
          if (landing.length >= inFlight) await landing[landing.length - inFlight];
          if (writing.length >= WRITING_CHUNKS) await writing[writing.length - WRITING_CHUNKS];
          writer = await (opening ?? store.beginChunk());
          opening = undefined;
        }
        const part = Buffer.from(piece.buffer, piece.byteOffset + offset, Math.min(piece.length - offset, chunkSize - writer.size));
        whole.update(part);
        buffer.set(part, writer.size);
        // Written from the pooled copy, not the socket's piece: the piece is garbage at once, and
        // the file's writes are contiguous slices of one buffer.
        await writer.write(buffer.subarray(writer.size, writer.size + part.length));
        offset += part.length;
        size += part.length;
        if (writer.size === chunkSize) await seal(writer, false);
      }
    }
    if (writer !== undefined) await seal(writer, true);
    await discard(opening);
    await Promise.all(landing);
  } catch (err) {
    await writer?.abort();
    await discard(opening);
    await Promise.allSettled(landing);
    throw err;
  } finally {
    pool.keepAtMost(BUFFERS_KEPT_AFTER);
  }
  return { size, sha256: whole.digest('hex'), chunks };
}

/** SealedChunk.readBack: a stored chunk read into an idle buffer of `pool`; undefined when none is idle. */
export async function readBackChunk(pool: ChunkBufferPool, store: ChunkStore, ref: ChunkRef): Promise<SharedChunkBytes | undefined> {
  const idle = pool.takeIdle();
  if (idle === undefined) return undefined;
  const held = pool.share(idle, ref.size);
  try {
    const read = await store.read(ref.hash, idle);
    if (read.length !== ref.size) throw new Error(`chunk ${ref.hash} read back ${read.length} of its ${ref.size} bytes`);
    return held;
  } catch (err) {
    held.release();
    throw err;
  }
}

/** Removes a temp file opened for a chunk that never came (the body ended at a chunk boundary). */
async function discard(opening: Promise<ChunkWriter> | undefined): Promise<void> {
  const unused = await opening?.catch(() => undefined);
  await unused?.abort();
}
