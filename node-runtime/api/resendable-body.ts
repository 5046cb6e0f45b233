// A forwarded request's body, kept in memory (up to a bound) while it streams to the leader, so
// that a write whose leader died with it can be sent again from its first byte to the next leader.
// The body still streams: each piece goes on as soon as it arrives, and the client is paused
// whenever the leader's connection is full, so memory stays bounded by what is kept.
import type { Readable, Writable } from 'node:stream';

export class ResendableBody {
  /** Every piece read so far, in order; null once they add up to more than the bound. */
  private kept: Buffer[] | null = [];
  private keptBytes = 0;
  private ended = false;
  private target: Writable | null = null;
  /** Set once the rest is only read and dropped: how many more bytes may be, before the source is cut. */
  private dropAllowance: number | null = null;

  /** `keepLimit`: the most bytes kept for a resend (0: none; the body can only be sent once). */
  constructor(
    private readonly source: Readable,
    private readonly keepLimit: number,
  ) {
    source.on('data', (piece: Buffer) => this.take(piece));
    source.on('end', () => {
      this.ended = true;
      this.target?.end();
    });
    source.pause();
  }

  /** Whether the body can still be sent from its first byte: every byte read so far was kept. */
  get resendable(): boolean {
    return this.kept !== null;
  }

  /** Sends the body into `target`: what was kept, then the rest as it arrives. */
  sendTo(target: Writable): void {
    if (this.kept === null) throw new Error('the body was not kept, so it cannot be sent again');
    this.target = target;
    for (const piece of this.kept) target.write(piece);
    if (this.ended) {
      target.end();
      return;
    }
    target.on('drain', () => {
      if (this.target === target) this.source.resume();
    });
    this.source.resume();
  }

  /** Stops sending into the current target (its leader failed); the source waits for the next one. */
  detach(): void {
    this.target = null;
    this.source.pause();
  }

  /**
   * The leader answered before taking the whole body (e.g. 400 for a bad name): the rest is read
   * and dropped, so the client, still sending, sees the answer instead of a reset; a rest larger
   * than `limit` is cut.
   */
  dropRest(limit: number): void {
    this.target = null;
    this.kept = null;
    this.dropAllowance = limit;
    this.source.resume();
  }

  private take(piece: Buffer): void {
    if (this.dropAllowance !== null) {
      this.dropAllowance -= piece.length;
      if (this.dropAllowance < 0) this.source.destroy();
      return;
    }
    if (this.kept !== null) {
      this.keptBytes += piece.length;
      if (this.keptBytes > this.keepLimit) this.kept = null;
      else this.kept.push(piece);
    }
    if (this.target === null) this.source.pause();
    else if (!this.target.write(piece)) this.source.pause();
  }
}
