// Writes recorded by the request id their client (or the node that forwarded them) gave them, so
// that the same write sent again is answered with its first outcome instead of applied twice.
//
// A forwarding node resends a write whose leader died with it (outcome unknown) under the same
// id; the resend may commit after the original, before it, or alone. Whichever applies second is
// answered from this table. The table lives in the replicated state (and its snapshots), and is
// pruned only by log time and by its bound, so every replica answers a repeat the same way.
//
// Refusals are recorded too (entries of command format 4 on): a follower that relayed a small
// write proposes the same entry again when its leader changes or its link lost messages
// (services/proposal-relay.ts), and answers its client from the first copy that applies. When that
// copy was refused (a lock, the quota) and a second copy applied after the lock or quota changed,
// the file would be written while the client was told it was not. A refusal answers only another
// copy of the same proposal (same time `at`, same write); a new attempt under the id (a client's
// retry, a resend the next leader stamps anew) is checked afresh and, if it succeeds, replaces it.

import type { FileRecord, Rejection } from './outcomes';

/** How long (in log time) a write's outcome is kept for a repeat of its id. */
export const REQUEST_ID_TTL_MS = 5 * 60_000;
/**
 * At most this many outcomes are kept; the oldest go first. A forwarding node resends within
 * seconds (a few leader waits), so this covers a few hundred writes a second over that window.
 */
export const MAX_RECORDED_REQUESTS = 10_000;

/** The successful file write a request id stands for. */
export interface RecordedWrite {
  readonly id: string;
  /** The Raft index of the entry that had the effect. */
  readonly index: number;
  /** Log time when it was applied; it is kept until REQUEST_ID_TTL_MS later. */
  readonly at: number;
  readonly type: 'put' | 'delete';
  /** The file as written (put) or as it was when deleted (delete). */
  readonly file: FileRecord;
}

/** A put or delete refused under a request id: what a copy of the same proposal is answered with. */
export interface RecordedRefusal {
  readonly id: string;
  /** The Raft index of the entry that was refused. */
  readonly index: number;
  /** Log time when it was applied, as for a write. */
  readonly at: number;
  readonly type: 'put' | 'delete';
  readonly name: string;
  /** A put's content hash; absent for a delete. */
  readonly sha256?: string;
  /** The command's own `at`: copies of one proposal carry the same one, a new attempt its own. */
  readonly proposedAt: number;
  readonly rejection: Rejection;
}

export type RecordedRequest = RecordedWrite | RecordedRefusal;

export function isRefusal(request: RecordedRequest): request is RecordedRefusal {
  return 'rejection' in request;
}

export class RequestTable {
  private readonly byId = new Map<string, RecordedRequest>();
  /**
   * The records in the order they applied, which is also the order of their `at` (log time is
   * monotonic); the oldest still recorded is at `head`. A record replaced under its id (a refusal
   * by a later attempt's outcome) stays here until it is the oldest, and is then passed over. Not
   * the Map's own order: V8 keeps a Map's deleted entries until it rehashes, so taking the oldest
   * from the front of a Map scans every entry deleted before it — at the bound, on every write.
   */
  private order: RecordedRequest[] = [];
  private head = 0;

  get(id: string): RecordedRequest | undefined {
    return this.byId.get(id);
  }

  /**
   * Records an outcome applied after every one recorded so far, under an id not recorded or
   * recorded with a refusal (which it replaces); drops the oldest beyond the bound.
   */
  record(request: RecordedRequest): void {
    this.byId.set(request.id, request);
    this.order.push(request);
    while (this.byId.size > MAX_RECORDED_REQUESTS) this.dropOldest();
  }

  /** Forgets the outcomes applied REQUEST_ID_TTL_MS or longer before log time `now`. */
  expire(now: number): void {
    while (this.head < this.order.length) {
      const oldest = this.order[this.head] as RecordedRequest;
      if (oldest.at + REQUEST_ID_TTL_MS > now) break;
      this.dropOldest();
    }
  }

  /** The current outcome of each id, in application order, as snapshots store them. */
  list(): RecordedRequest[] {
    return this.order.slice(this.head).filter((r) => this.byId.get(r.id) === r);
  }

  load(requests: readonly RecordedRequest[]): void {
    this.byId.clear();
    this.order = [];
    this.head = 0;
    for (const request of requests) this.record(request);
  }

  private dropOldest(): void {
    const oldest = this.order[this.head] as RecordedRequest;
    // A record since replaced under its id is only passed over.
    if (this.byId.get(oldest.id) === oldest) this.byId.delete(oldest.id);
    this.head += 1;
    // Reclaim the dropped front now and then; amortised O(1) per write.
    if (this.head >= 1024 && this.head * 2 >= this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}
