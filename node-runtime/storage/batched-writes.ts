// Sequential writes to one file, gathered into large ones. A chunk arrives in the pieces the
// socket delivered (64 KiB or less); writing each on its own costs a thread-pool round trip per
// piece, and on a busy machine each round trip is a context switch the event loop waits out
// (issue #11: 64 awaited writes per 4 MiB chunk were most of an upload's time on the leader).
// Gathered pieces go to the file in one vectored write while the next batch is gathered.

/** Writes `pieces` one after another at the file's current end; resolves once all are written. */
export type WritePieces = (pieces: readonly Uint8Array[]) => Promise<void>;

/** Bytes gathered before they are written: large enough to amortise the round trip, small enough for the CPU cache. */
export const WRITE_BATCH_BYTES = 512 * 1024;
/** Pieces in one vectored write (well under the system's IOV_MAX of 1024). */
const MAX_BATCH_PIECES = 128;

export class BatchedWrites {
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
  /** The one write under way; a failure stays in it and is thrown by the next `add` or `flush`. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly writePieces: WritePieces,
    private readonly batchBytes = WRITE_BATCH_BYTES,
  ) {}

  /**
   * Queues `piece`, which must stay unchanged until `flush` resolves. Resolves at once while a
   * batch is gathering; when one is full, once the write before it finished (so at most two
   * batches are held), and rejects when that write failed.
   */
  async add(piece: Uint8Array): Promise<void> {
    this.gathered.push(piece);
    this.gatheredBytes += piece.length;
    if (this.gatheredBytes >= this.batchBytes || this.gathered.length >= MAX_BATCH_PIECES) await this.send();
  }

  /** Writes what is gathered; resolves once every queued piece is written. */
  async flush(): Promise<void> {
    if (this.gathered.length > 0) await this.send();
    await this.writing;
  }

  /** Waits for the write under way, failed or not (before the file is closed and removed). */
  async settle(): Promise<void> {
    await this.writing.catch(() => undefined);
  }

  private async send(): Promise<void> {
    const batch = this.gathered;
    this.gathered = [];
    this.gatheredBytes = 0;
    await this.writing;
    this.writing = this.writePieces(batch);
    // Observed by the next add or flush; until then it must not count as unhandled.
    this.writing.catch(() => undefined);
  }
}
