// Leases on file names, expiring in log time.
//
// Expiry is driven only by the `at` of applied entries, never by a local clock, so every replica
// drops a lease at the same entry. The table keeps the earliest expiry so that the expiry check
// made before each entry costs nothing until some lease is actually due.

import type { LockRecord } from './outcomes';

export class LockTable {
  private readonly locks = new Map<string, LockRecord>();
  /** No lease expires before this; may be early (after a release), never late. */
  private earliestExpiry = Number.POSITIVE_INFINITY;

  get size(): number {
    return this.locks.size;
  }

  /** The lease on `name`; live as of the last expire() call. */
  get(name: string): LockRecord | undefined {
    return this.locks.get(name);
  }

  set(lock: LockRecord): void {
    this.locks.set(lock.name, lock);
    this.earliestExpiry = Math.min(this.earliestExpiry, lock.expiresAt);
  }

  delete(name: string): void {
    this.locks.delete(name);
  }

  clear(): void {
    this.locks.clear();
    this.earliestExpiry = Number.POSITIVE_INFINITY;
  }

  /** Drops every lease with expiresAt ≤ now; returns the freed names, sorted. */
  expire(now: number): string[] {
    if (now < this.earliestExpiry) return [];
    const expired: string[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    for (const lock of this.locks.values()) {
      if (lock.expiresAt <= now) expired.push(lock.name);
      else earliest = Math.min(earliest, lock.expiresAt);
    }
    for (const name of expired) this.locks.delete(name);
    this.earliestExpiry = earliest;
    return expired.sort();
  }

  /** All leases, sorted by name. */
  list(): LockRecord[] {
    return [...this.locks.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
