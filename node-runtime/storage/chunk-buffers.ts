// Chunk-sized buffers reused across one upload. A chunk's bytes are kept in memory while they
// are pushed to followers; allocating 4 MiB per chunk would leave the garbage collector hundreds
// of large buffers per GiB to find (they live long enough to reach the old generation, so only a
// full collection frees them, and the process's memory grows meanwhile). A few buffers recycled
// by reference count keep the upload's memory flat and the collector idle.

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

export class ChunkBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly chunkSize: number,
    /** Free buffers kept for reuse; more are allocated when all are in use, then dropped. */
    private readonly keep: number,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.chunkSize);
  }

  give(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
  }

  /** Wraps the first `size` bytes of a taken buffer as a chunk's bytes, held once by the caller. */
  share(buffer: Buffer, size: number): SharedChunkBytes {
    return new SharedChunkBytes(buffer, buffer.subarray(0, size), this);
  }
}
