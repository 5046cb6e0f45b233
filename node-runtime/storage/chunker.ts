// Splits a stream of any size into chunks stored in the chunk store, with constant memory: each
// incoming piece is hashed and written straight to the current chunk's temp file, never queued,
// so at most one piece (far less than a chunk) is held at a time.
import { createHash } from 'node:crypto';
import type { ChunkRef, ChunkStore, ChunkWriter } from './chunk-store';

export interface ChunkedFile {
  readonly size: number;
  /** SHA-256 (hex) of the whole content. */
  readonly sha256: string;
  readonly chunks: readonly ChunkRef[];
}

export interface ChunkerOptions {
  /** Defaults to the store's chunk size. */
  readonly chunkSize?: number;
  /** Called once each chunk is durable, e.g. to start pushing it to followers. */
  readonly onChunk?: (chunk: ChunkRef, index: number) => void | Promise<void>;
}

/**
 * Reads `source` to its end and stores it chunk by chunk. Backpressure comes from the loop: the
 * next piece is pulled only after the previous one is written. If the source or a write fails,
 * the partial chunk is discarded; chunks already stored stay (unreferenced chunks are garbage
 * that collection removes).
 */
export async function storeChunked(source: AsyncIterable<Uint8Array>, store: ChunkStore, options: ChunkerOptions = {}): Promise<ChunkedFile> {
  const chunkSize = options.chunkSize ?? store.chunkSize;
  const whole = createHash('sha256');
  const chunks: ChunkRef[] = [];
  let size = 0;
  let writer: ChunkWriter | undefined;

  const finishChunk = async (open: ChunkWriter): Promise<void> => {
    writer = undefined;
    const chunk = await open.commit();
    chunks.push(chunk);
    await options.onChunk?.(chunk, chunks.length - 1);
  };

  try {
    for await (const piece of source) {
      for (let offset = 0; offset < piece.length; ) {
        writer ??= await store.beginChunk();
        const part = piece.subarray(offset, offset + Math.min(piece.length - offset, chunkSize - writer.size));
        whole.update(part);
        await writer.write(part);
        offset += part.length;
        size += part.length;
        if (writer.size === chunkSize) await finishChunk(writer);
      }
    }
    if (writer !== undefined) await finishChunk(writer);
  } catch (err) {
    await writer?.abort();
    throw err;
  }
  return { size, sha256: whole.digest('hex'), chunks };
}
