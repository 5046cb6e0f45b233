// The bounded queue of encoded messages waiting for one peer's stream. When it is full, bulk
// messages (appends with entries, snapshots) are what gets dropped: Raft resends them after
// reportUnreachable, while small control messages (votes, heartbeats, responses) keep elections
// and leadership working through a slow link. Memory never exceeds the bound, except that one
// message larger than the bound is admitted into an empty queue so a big snapshot can still go.
import type { Message } from '../raft/types';
import type { QueueLimits } from './types';

export interface QueuedMessage {
  readonly bytes: Buffer;
  readonly bulk: boolean;
}

export function isBulk(m: Message): boolean {
  return m.type === 'snap' || (m.type === 'app' && m.entries.length > 0);
}

export class OutboundQueue {
  private items: QueuedMessage[] = [];
  private byteCount = 0;

  constructor(private readonly limits: QueueLimits) {}

  get length(): number {
    return this.items.length;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Queues `item`; returns how many messages were dropped to respect the bound (0 or more). */
  push(item: QueuedMessage): number {
    let dropped = 0;
    if (!item.bulk) {
      // Control messages make room by evicting the oldest bulk ones.
      while (!this.fits(item)) {
        const victim = this.items.findIndex((queued) => queued.bulk);
        if (victim < 0) break;
        const [evicted] = this.items.splice(victim, 1);
        this.byteCount -= evicted?.bytes.length ?? 0;
        dropped++;
      }
    }
    if (!this.fits(item)) return dropped + 1;
    this.items.push(item);
    this.byteCount += item.bytes.length;
    return dropped;
  }

  /** Removes and returns messages from the front, at least one, up to `maxBytes` together. */
  takeBatch(maxBytes: number): Buffer[] {
    let count = 0;
    let size = 0;
    for (const item of this.items) {
      if (count > 0 && size + item.bytes.length > maxBytes) break;
      size += item.bytes.length;
      count++;
    }
    const batch = this.items.splice(0, count).map((item) => item.bytes);
    this.byteCount -= size;
    return batch;
  }

  /** Empties the queue, returning how many messages were discarded. */
  clear(): number {
    const discarded = this.items.length;
    this.items = [];
    this.byteCount = 0;
    return discarded;
  }

  private fits(item: QueuedMessage): boolean {
    if (this.items.length === 0) return true;
    return this.items.length < this.limits.maxQueueMessages && this.byteCount + item.bytes.length <= this.limits.maxQueueBytes;
  }
}
