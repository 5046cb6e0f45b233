// Writes recorded by the request id their client (or the node that forwarded them) gave them, so
// that the same write sent again is answered with its first outcome instead of applied twice.
//
// A forwarding node resends a write whose leader died with it (outcome unknown) under the same
// id; the resend may commit after the original, before it, or alone. Whichever applies second is
// answered from this table. The table lives in the replicated state (and its snapshots), and is
// pruned only by log time and by its bound, so every replica answers a repeat the same way.

import type { FileRecord } from './outcomes';

/** How long (in log time) a write's outcome is kept for a repeat of its id. */
export const REQUEST_ID_TTL_MS = 5 * 60_000;
/**
 * At most this many outcomes are kept; the oldest go first. A forwarding node resends within
 * seconds (a few leader waits), so this covers a few hundred writes a second over that window.
 */
export const MAX_RECORDED_REQUESTS = 10_000;

/** The successful file write a request id stands for. */
export interface RecordedRequest {
  readonly id: string;
  /** The Raft index of the entry that had the effect. */
  readonly index: number;
  /** Log time when it was applied; it is kept until REQUEST_ID_TTL_MS later. */
  readonly at: number;
  readonly type: 'put' | 'delete';
  /** The file as written (put) or as it was when deleted (delete). */
  readonly file: FileRecord;
}

export class RequestTable {
  private readonly byId = new Map<string, RecordedRequest>();
  /**
   * The ids in the order their writes applied, which is also the order of their `at` (log time is
   * monotonic); the oldest still recorded is at `head`. Not the Map's own order: V8 keeps a
   * Map's deleted entries until it rehashes, so taking the oldest from the front of a Map scans
   * every entry deleted before it — at the bound, on every write.
   */
  private order: string[] = [];
  private head = 0;

  get(id: string): RecordedRequest | undefined {
    return this.byId.get(id);
  }

  /** Records a write applied after every one recorded so far (under an id not recorded); drops the oldest beyond the bound. */
  record(request: RecordedRequest): void {
    this.byId.set(request.id, request);
    this.order.push(request.id);
    while (this.byId.size > MAX_RECORDED_REQUESTS) this.dropOldest();
  }

  /** Forgets the writes applied REQUEST_ID_TTL_MS or longer before log time `now`. */
  expire(now: number): void {
    while (this.head < this.order.length) {
      const oldest = this.byId.get(this.order[this.head] as string) as RecordedRequest;
      if (oldest.at + REQUEST_ID_TTL_MS > now) break;
      this.dropOldest();
    }
  }

  /** In application order, as snapshots store them. */
  list(): RecordedRequest[] {
    return this.order.slice(this.head).map((id) => this.byId.get(id) as RecordedRequest);
  }

  load(requests: readonly RecordedRequest[]): void {
    this.byId.clear();
    this.order = [];
    this.head = 0;
    for (const request of requests) {
      if (!this.byId.has(request.id)) this.order.push(request.id);
      this.byId.set(request.id, request);
    }
  }

  private dropOldest(): void {
    this.byId.delete(this.order[this.head] as string);
    this.head += 1;
    // Reclaim the dropped front now and then; amortised O(1) per write.
    if (this.head >= 1024 && this.head * 2 >= this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}
