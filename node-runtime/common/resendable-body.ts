// A forwarded request's body, kept in memory (up to a bound) while it streams to a node, so that
// a write whose node died with it can be sent again from its first byte to the next one: a
// follower forwarding to its leader, and the manager passing a dashboard upload through. The body
// still streams: each piece goes on as soon as it arrives, and the client is paused whenever the
// node's connection is full, so memory stays bounded by what is kept. Streams are described by
// the few methods used (common/ takes no Node built-ins), which node:stream's satisfy.

/** The most of a forwarded write's body kept for a resend. */
export const RESEND_KEEP_BYTES = 8 * 1024 * 1024;

interface BodySource {
  on(event: 'data', listener: (piece: Uint8Array) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(): unknown;
}

interface BodyTarget {
  write(piece: Uint8Array): boolean;
  end(): unknown;
  on(event: 'drain', listener: () => void): unknown;
}

export class ResendableBody {
  /** Every piece read so far, in order; null once they add up to more than the bound. */
  private kept: Uint8Array[] | null = [];
  private keptBytes = 0;
  private ended = false;
  private target: BodyTarget | null = null;
  /** Set once the rest is only read and dropped: how many more bytes may be, before the source is cut. */
  private dropAllowance: number | null = null;

  /** `keepLimit`: the most bytes kept for a resend (0: none; the body can only be sent once). */
  constructor(
    private readonly source: BodySource,
    private readonly keepLimit: number,
  ) {
    source.on('data', (piece) => this.take(piece));
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
  sendTo(target: BodyTarget): void {
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

  /** Stops sending into the current target (its node failed); the source waits for the next one. */
  detach(): void {
    this.target = null;
    this.source.pause();
  }

  /**
   * The node answered before taking the whole body (e.g. 400 for a bad name): the rest is read
   * and dropped, so the client, still sending, sees the answer instead of a reset; a rest larger
   * than `limit` is cut.
   */
  dropRest(limit: number): void {
    this.target = null;
    this.kept = null;
    this.dropAllowance = limit;
    this.source.resume();
  }

  private take(piece: Uint8Array): void {
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
