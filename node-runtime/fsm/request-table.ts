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
  /** In the order the writes applied, which is also the order of their `at` (log time is monotonic). */
  private readonly byId = new Map<string, RecordedRequest>();

  get(id: string): RecordedRequest | undefined {
    return this.byId.get(id);
  }

  /** Records a write applied after every one recorded so far; drops the oldest beyond the bound. */
  record(request: RecordedRequest): void {
    this.byId.set(request.id, request);
    for (const id of this.byId.keys()) {
      if (this.byId.size <= MAX_RECORDED_REQUESTS) break;
      this.byId.delete(id);
    }
  }

  /** Forgets the writes applied REQUEST_ID_TTL_MS or longer before log time `now`. */
  expire(now: number): void {
    for (const [id, request] of this.byId) {
      if (request.at + REQUEST_ID_TTL_MS > now) break;
      this.byId.delete(id);
    }
  }

  /** In application order, as snapshots store them. */
  list(): RecordedRequest[] {
    return [...this.byId.values()];
  }

  load(requests: readonly RecordedRequest[]): void {
    this.byId.clear();
    for (const request of requests) this.byId.set(request.id, request);
  }
}
