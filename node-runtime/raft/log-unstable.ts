// The tail of the log (and possibly an incoming snapshot) that the driver has not persisted yet.
// `entries[i]` has index `offset + i`. Appends in order are O(1) amortized: no copying of the log.

import { sizeLimitedEnd } from './entry-size';
import { invariant } from './errors';
import type { Entry, Snapshot } from './types';

export class Unstable {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];

  constructor(public offset: number) {}

  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.metadata.index;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      return this.snapshot !== undefined && this.snapshot.metadata.index === i ? this.snapshot.metadata.term : undefined;
    }
    return this.entries[i - this.offset]?.term;
  }

  /** The driver persisted entries up to `i` (with term `t`); drop them from here. */
  stableTo(i: number, t: number): void {
    // A stale acknowledgement (the entry was since replaced by one of another term) is ignored.
    if (i < this.offset || this.maybeTerm(i) !== t) return;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = i + 1;
  }

  stableSnapTo(i: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    const first = ents[0];
    if (first === undefined) return;
    const after = first.index;
    if (after === this.offset + this.entries.length) {
      for (const e of ents) this.entries.push(e);
    } else if (after <= this.offset) {
      // Replaces everything unstable; the driver's next append truncates the persisted suffix.
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset);
      for (const e of ents) this.entries.push(e);
    }
  }

  /** Entries in [lo, hi), at most `maxBytes` of them (at least one). */
  slice(lo: number, hi: number, maxBytes?: number): Entry[] {
    invariant(lo >= this.offset && hi <= this.offset + this.entries.length && lo <= hi, 'unstable slice out of bounds', {
      lo,
      hi,
      offset: this.offset,
      length: this.entries.length,
    });
    const start = lo - this.offset;
    return this.entries.slice(start, sizeLimitedEnd(this.entries, start, hi - this.offset, maxBytes));
  }
}
