// The append messages sent to one follower and not yet acknowledged, by last entry index.
// Bounding their number is the pipelining limit: a full window pauses replication to that follower.
// Bounding their bytes too (etcd's MaxInflightBytes) keeps a follower that lags far behind from
// being sent the whole backlog in one go: the leader reads older entries back from its log on
// disk, synchronously, so the bound is also how much it reads in one turn of its event loop.

import { invariant } from '../errors';

/** How much may be in flight to one follower: messages, and entry bytes (0: no byte bound). */
export interface InflightLimits {
  readonly messages: number;
  readonly bytes: number;
}

export class Inflights {
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  private count = 0;
  private bytesInFlight = 0;

  constructor(readonly limits: InflightLimits) {
    invariant(limits.messages > 0, 'inflight capacity must be positive', { capacity: limits.messages });
    invariant(limits.bytes >= 0, 'inflight byte bound must not be negative', { bytes: limits.bytes });
    this.indexes = new Array<number>(limits.messages).fill(0);
    this.sizes = new Array<number>(limits.messages).fill(0);
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.bytesInFlight;
  }

  /**
   * No more appends until some are acknowledged. A message larger than the byte bound is still
   * sent when nothing else is in flight (it fills the window on its own), so nothing stalls.
   */
  full(): boolean {
    return this.count === this.limits.messages || (this.limits.bytes > 0 && this.bytesInFlight >= this.limits.bytes);
  }

  /** Records an append of `bytes` whose last entry is `index`; indexes must be added in increasing order. */
  add(index: number, bytes: number): void {
    invariant(!this.full(), 'inflight window overflow', { index, capacity: this.limits.messages, bytes: this.bytesInFlight });
    const slot = (this.start + this.count) % this.limits.messages;
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.count++;
    this.bytesInFlight += bytes;
  }

  /** Frees every append whose last index is <= `to` (they are acknowledged). */
  freeLE(to: number): void {
    while (this.count > 0 && (this.indexes[this.start] as number) <= to) {
      this.bytesInFlight -= this.sizes[this.start] as number;
      this.start = (this.start + 1) % this.limits.messages;
      this.count--;
    }
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytesInFlight = 0;
  }
}
