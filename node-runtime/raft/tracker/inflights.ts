// The append messages sent to one follower and not yet acknowledged, by last entry index.
// Bounding their number is the pipelining limit: a full window pauses replication to that follower.

import { invariant } from '../errors';

export class Inflights {
  private readonly buffer: number[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    invariant(capacity > 0, 'inflight capacity must be positive', { capacity });
    this.buffer = new Array<number>(capacity).fill(0);
  }

  get size(): number {
    return this.count;
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  /** Records an append whose last entry is `index`; indexes must be added in increasing order. */
  add(index: number): void {
    invariant(!this.full(), 'inflight window overflow', { index, capacity: this.capacity });
    this.buffer[(this.start + this.count) % this.capacity] = index;
    this.count++;
  }

  /** Frees every append whose last index is <= `to` (they are acknowledged). */
  freeLE(to: number): void {
    while (this.count > 0 && (this.buffer[this.start] as number) <= to) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}
