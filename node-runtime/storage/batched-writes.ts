// Sequential writes to one file, gathered into large ones. A chunk arrives in the pieces the
// socket delivered (64 KiB or less); writing each on its own costs a thread-pool round trip per
// piece, and on a busy machine each round trip is a context switch the event loop waits out
// (issue #11: 64 awaited writes per 4 MiB chunk were most of an upload's time on the leader).
// Gathered pieces go to the file in one vectored write at their own offset, and several such
// writes may be under way at once: the body is read on (and hashed) while the thread pool copies
// earlier batches into the page cache, instead of the reader waiting for each write in turn
// (session 9: the leader spent a third of a 512 MiB upload awaiting the one write under way).

/** Writes `pieces` one after another at the file's current end; resolves once all are written. */
export type WritePieces = (pieces: readonly Uint8Array[]) => Promise<void>;

/** Bytes gathered before they are written: large enough to amortise the round trip, small enough for the CPU cache. */
export const WRITE_BATCH_BYTES = 512 * 1024;
/** Pieces in one vectored write (well under the system's IOV_MAX of 1024). */
const MAX_BATCH_PIECES = 128;
/** Batch writes under way at once: with 512 KiB batches, up to 2 MiB a writer holds unwritten. */
export const WRITES_IN_FLIGHT = 4;

export class BatchedWrites {
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
  private readonly writing = new Set<Promise<void>>();
  /** The first write that failed; thrown by every later `add` and `flush`. */
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly writePieces: WritePieces,
    private readonly batchBytes = WRITE_BATCH_BYTES,
    private readonly inFlight = WRITES_IN_FLIGHT,
  ) {}

  /**
   * Queues `piece`, which must stay unchanged until `flush` resolves. Resolves at once while a
   * batch is gathering or fewer than `inFlight` writes are under way; otherwise once one of them
   * finished. Rejects when an earlier write failed.
   */
  async add(piece: Uint8Array): Promise<void> {
    this.gathered.push(piece);
    this.gatheredBytes += piece.length;
    if (this.gatheredBytes >= this.batchBytes || this.gathered.length >= MAX_BATCH_PIECES) await this.send();
  }

  /** Writes what is gathered; resolves once every queued piece is written. */
  async flush(): Promise<void> {
    if (this.gathered.length > 0) await this.send();
    await Promise.all(this.writing);
    this.throwIfFailed();
  }

  /** Waits for the writes under way, failed or not (before the file is closed and removed). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.writing);
  }

  private async send(): Promise<void> {
    this.throwIfFailed();
    const batch = this.gathered;
    this.gathered = [];
    this.gatheredBytes = 0;
    // The write claims its offset in the file as it starts (AtomicWriter.writeAll), so writes
    // under way together land where they belong whichever finishes first.
    const write: Promise<void> = this.writePieces(batch).then(
      () => void this.writing.delete(write),
      (error: unknown) => {
        this.failure ??= { error };
        this.writing.delete(write);
      },
    );
    this.writing.add(write);
    while (this.writing.size >= this.inFlight) await Promise.race(this.writing);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
