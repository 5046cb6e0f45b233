// Splits a stream of any size into chunks stored in the chunk store. Each incoming piece is hashed
// and written straight to the current chunk's temp file; a finished chunk is fsynced and renamed
// while the next one is written (at most `inFlight` at a time), so the disk's fsync does not stop
// the body from being read. The pieces of a chunk are also handed over as they are (no copy), so
// the caller can push them to followers from memory instead of reading them back from disk.
import { createHash } from 'node:crypto';
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
  /**
   * The chunk's bytes as the pieces that arrived, in order; null when it came in so many tiny
   * pieces that keeping them would cost more than reading the chunk back.
   */
  readonly pieces: readonly Buffer[] | null;
  /** Resolves once the chunk is durable in the local store; rejects when storing it failed. */
  readonly durable: Promise<void>;
}

export interface ChunkerOptions {
  /** Defaults to the store's chunk size. */
  readonly chunkSize?: number;
  /** Sealed chunks being fsynced and renamed while the next one is written (default 2). */
  readonly inFlight?: number;
  /**
   * Called with each chunk before it is durable here (e.g. to push it to followers while the local
   * fsync runs). The body is read on once the returned promise resolves: that is the caller's
   * backpressure, and a rejection stops the upload.
   */
  readonly onChunk?: (chunk: SealedChunk) => void | Promise<void>;
}

const DEFAULT_IN_FLIGHT = 2;
/** Beyond this many pieces per chunk (under 8 KiB each on average for 4 MiB), they are not kept. */
const MAX_KEPT_PIECES = 512;

/**
 * Reads `source` to its end and stores it chunk by chunk; resolves once every chunk is durable.
 * The source must not reuse a buffer it yielded (streams never do): the pieces are handed over.
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
  let size = 0;
  let writer: ChunkWriter | undefined;
  let pieces: Buffer[] | null = [];

  const seal = async (open: ChunkWriter): Promise<void> => {
    writer = undefined;
    const { ref, durable } = open.seal();
    const index = chunks.push(ref) - 1;
    // Handled here, so a failure while the next chunk is written is not an unhandled rejection;
    // it is thrown when the window or the end awaits it.
    durable.catch(() => undefined);
    landing.push(durable);
    const kept = pieces;
    pieces = [];
    await options.onChunk?.({ ref, index, pieces: kept, durable });
  };

  try {
    for await (const piece of source) {
      for (let offset = 0; offset < piece.length; ) {
        if (writer === undefined) {
          // Sealed chunks land in order: once chunk n - inFlight has, at most inFlight are landing.
          if (landing.length >= inFlight) await landing[landing.length - inFlight];
          writer = await store.beginChunk();
        }
        const part = Buffer.from(piece.buffer, piece.byteOffset + offset, Math.min(piece.length - offset, chunkSize - writer.size));
        whole.update(part);
        await writer.write(part);
        if (pieces !== null && pieces.length < MAX_KEPT_PIECES) pieces.push(part);
        else pieces = null;
        offset += part.length;
        size += part.length;
        if (writer.size === chunkSize) await seal(writer);
      }
    }
    if (writer !== undefined) await seal(writer);
    await Promise.all(landing);
  } catch (err) {
    await writer?.abort();
    await Promise.allSettled(landing);
    throw err;
  }
  return { size, sha256: whole.digest('hex'), chunks };
}
