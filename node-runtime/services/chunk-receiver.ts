// Chunks arriving from peers (pushes, catch-up and repair fetches) go into the store through here:
// each piece is copied into a reused chunk-sized buffer as it arrives and written from there (the
// chunk hashed, fsynced and checked against its name as before), and each chunk is followed by one
// young-generation collection.
//
// Why (issue #11; bench/README.md, "Large files", session 17): a body arrives as socket pieces of
// up to 64 KiB, each a new buffer outside V8's heap. V8 counts such memory allocated since its last
// full collection against the old generation's limit, and with the node's fixed growing factor
// (node/heap-policy.ts) a follower holding ~14 MB live has only ~15 MB of room. Its young generation
// is small and fills only every 20–30 MB of pieces, so the pieces alone crossed that room between
// two scavenges: each follower ran a full collection after nearly every scavenge, 40–67 per GiB
// received. Written straight from the pieces, a chunk also kept its last ~2.5 MiB of them alive
// across a scavenge (the writes under way), so they were promoted and waited for a full collection
// too. Copied into a reused buffer, no piece outlives its arrival, and a scavenge after each chunk
// frees them all while they are still a few MiB.
//
// Freed that promptly, the pieces' memory went back to the system at each scavenge in a node's first
// upload, and came back as page faults: glibc's malloc returns the free top of its heap once more
// than its trim threshold is free there, 128 KiB until the first free of a block it had mapped on its
// own (over 128 KiB) raises it to twice that block's size. One follower in each fresh cluster took
// 110,000–330,000 minor faults per GiB (every byte received) against ~10,000. So the first chunk a
// process receives also drops one chunk-sized block, which that chunk's scavenge frees: the process is
// then where it otherwise gets only once an upload's spare buffers are let go (chunk-buffers.ts).
//
// Memory stays bounded: at most `buffers` chunks are received this way at once (a push or two and a
// catch-up fetch is the usual load); any beyond that stream into the store as before, holding only
// the writes under way.
import type { ChunkRef, ChunkStore } from '../storage/chunk-store';
import { ChunkBufferPool } from '../storage/chunk-buffers';
import { copiedInto } from '../transport';

export interface ChunkReceiverOptions {
  /** Chunks received into a buffer at once, at most. */
  readonly buffers: number;
  /** A young-generation collection (node/heap-policy.ts), run once a chunk's pieces are garbage. */
  readonly collectGarbage?: () => void;
}

/** A follower takes two pushes at a time from the leader (chunk-replication.ts) and one catch-up fetch: three, and one to spare. */
export const DEFAULT_RECEIVE_BUFFERS = 4;

export class ChunkReceiver {
  private inUse = 0;
  private mallocPrimed = false;
  /** Keeps none itself: idle buffers go to the process's spares, dropped after a while (chunk-buffers.ts). */
  private readonly pool: ChunkBufferPool;

  constructor(
    private readonly chunks: Pick<ChunkStore, 'put' | 'chunkSize'>,
    private readonly options: ChunkReceiverOptions = { buffers: DEFAULT_RECEIVE_BUFFERS },
  ) {
    this.pool = new ChunkBufferPool(chunks.chunkSize, 0);
  }

  /**
   * Stores `body`, announced as `size` bytes, as the chunk `hash` (ChunkStore.put: verified against
   * its name, durable when this resolves). A body of another length is refused: more bytes throw
   * BodyTooLargeError, fewer BodyTooShortError (transport/http-body.ts), and nothing is stored.
   */
  async store(hash: string, body: AsyncIterable<Uint8Array>, size: number): Promise<ChunkRef> {
    if (size > this.pool.chunkSize || this.inUse >= this.options.buffers) return this.chunks.put(hash, body);
    this.inUse += 1;
    if (!this.mallocPrimed) {
      this.mallocPrimed = true;
      // Garbage at once, freed by the scavenge below (the comment at the top says why).
      Buffer.allocUnsafeSlow(this.pool.chunkSize);
    }
    const buffer = this.pool.take();
    try {
      // Written as it arrives (from the buffer's views), so the chunk is durable soon after its last byte.
      return await this.chunks.put(hash, copiedInto(body, size, buffer));
    } finally {
      // put resolved or failed with its writes settled: nothing refers to the buffer any more.
      this.pool.give(buffer);
      this.inUse -= 1;
      this.options.collectGarbage?.();
    }
  }
}
