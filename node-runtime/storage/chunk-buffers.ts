// Chunk-sized buffers reused across one upload or one download. A chunk's bytes are kept in memory
// while they are pushed to followers or sent to a client; allocating 4 MiB per chunk would leave
// the garbage collector hundreds of large buffers per GiB to find (they live long enough to reach
// the old generation, so only a full collection frees them, and the process's memory grows
// meanwhile). A few buffers recycled by reference count keep a request's memory flat and the
// collector idle. Buffers a pool no longer keeps go to the node's spares (below), where the next
// request's pool finds them instead of allocating its own.

/** A chunk's bytes in a pooled buffer, shared by whoever still needs them. */
export class SharedChunkBytes {
  private refs = 1;

  constructor(
    private readonly buffer: Buffer,
    /** The chunk's bytes: a view of the pooled buffer. */
    readonly bytes: Buffer,
    private readonly pool: ChunkBufferPool,
  ) {}

  /** One more holder; each calls `release` once when done. */
  retain(): this {
    if (this.refs <= 0) throw new Error('retain after the last release: the buffer may already hold another chunk');
    this.refs += 1;
    return this;
  }

  /** The last release hands the buffer back for the next chunk. */
  release(): void {
    this.refs -= 1;
    if (this.refs === 0) this.pool.give(this.buffer);
    if (this.refs < 0) throw new Error('chunk bytes released more often than retained');
  }
}

/**
 * Idle chunk buffers shared by the whole process, between one request's pool and the next. A
 * download that begins while an upload's pushes still run (memory.test.ts: the leader serves the
 * 2 GiB back while it still pushes the tail to the slower follower) allocated 4 new buffers while
 * the upload's idle ones waited for a full collection: 16 MiB more at the very moment the node's
 * memory peaked. A few spares are kept, and dropped (left to the collector) once none was asked
 * for during `idleDropMs`, so an idle node does not hold them.
 */
export class SpareChunkBuffers {
  private readonly spare: Buffer[] = [];
  private lastUse = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keep: number,
    private readonly idleDropMs: number,
  ) {}

  /** A spare of exactly `size` bytes, if one is kept. */
  take(size: number): Buffer | undefined {
    const at = this.spare.findIndex((b) => b.length === size);
    if (at < 0) return undefined;
    this.lastUse = Date.now();
    return this.spare.splice(at, 1)[0];
  }

  /** Keeps `buffer` (its owner lets go of it) when there is room; otherwise it is dropped. */
  offer(buffer: Buffer): void {
    this.lastUse = Date.now();
    if (this.spare.length >= this.keep) return;
    this.spare.push(buffer);
    this.timer ??= setInterval(() => this.dropIfIdle(), this.idleDropMs).unref();
  }

  /** Spares kept now (tests). */
  get size(): number {
    return this.spare.length;
  }

  private dropIfIdle(): void {
    if (Date.now() - this.lastUse < this.idleDropMs) return;
    this.spare.length = 0;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The process's spares: a download's 4 buffers, or an upload's beyond the 2 it keeps for its late pushes. */
export const spareChunkBuffers = new SpareChunkBuffers(6, 2_000);

export class ChunkBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly chunkSize: number,
    /** Free buffers kept for reuse; more are taken from the spares or allocated when all are in use, then offered to the spares. */
    private keep: number,
    private readonly spares: SpareChunkBuffers = spareChunkBuffers,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? this.spares.take(this.chunkSize) ?? Buffer.allocUnsafeSlow(this.chunkSize);
  }

  /**
   * A free buffer when one is idle, never a new one: for work that can do without it (reading a
   * chunk back to push it, which can stream from disk instead), so it uses the memory the upload
   * already holds and adds none.
   */
  takeIdle(): Buffer | undefined {
    return this.free.pop();
  }

  give(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
    else this.spares.offer(buffer);
  }

  /** Keeps at most `keep` free buffers from now on; the others go to the spares at once. */
  keepAtMost(keep: number): void {
    this.keep = Math.min(this.keep, keep);
    while (this.free.length > this.keep) this.spares.offer(this.free.pop() as Buffer);
  }

  /** Wraps the first `size` bytes of a taken buffer as a chunk's bytes, held once by the caller. */
  share(buffer: Buffer, size: number): SharedChunkBytes {
    return new SharedChunkBytes(buffer, buffer.subarray(0, size), this);
  }
}
