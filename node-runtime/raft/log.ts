// The node's view of the Raft log: the persisted part (LogStorage) followed by the unstable tail,
// plus the commit and applied indexes. Every index in (applied, committed] is safe to apply.

import { CompactedError, invariant } from './errors';
import type { InvariantContext } from './errors';
import { limitSize } from './entry-size';
import { Unstable } from './log-unstable';
import type { Entry, LogStorage, Snapshot } from './types';

const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known to be stored on a quorum. */
  committed: number;
  /** Highest index the driver has applied to its state machine. */
  applied: number;
  /** Highest index handed to the driver to apply (in the outstanding Ready); above `applied` while it applies. */
  applying: number;

  /** `where` names the owning node and its current term in assertion failures. */
  constructor(
    readonly storage: LogStorage,
    private readonly where: () => InvariantContext,
  ) {
    const first = storage.firstIndex();
    this.unstable = new Unstable(storage.lastIndex() + 1);
    this.committed = first - 1;
    this.applied = first - 1;
    this.applying = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The term of entry `i`: 0 beyond the last index; throws CompactedError below firstIndex - 1. */
  term(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy) throw new CompactedError(i, dummy + 1);
    if (i > this.lastIndex()) return 0;
    return this.unstable.maybeTerm(i) ?? this.storage.term(i);
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  zeroTermOnCompacted(i: number): number {
    return i < this.firstIndex() - 1 ? 0 : this.term(i);
  }

  matchTerm(i: number, t: number): boolean {
    return i >= this.firstIndex() - 1 && this.term(i) === t;
  }

  /** §5.4.1: a log is at least as up to date when its last term is higher, or equal with a longer log. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of AppendEntries: when our entry at `index` has `logTerm`, append `ents`
   * (dropping any conflicting suffix) and advance commit. Returns the new last index of the
   * leader's log known to match ours, or undefined when the consistency check fails.
   */
  maybeAppend(index: number, logTerm: number, leaderCommit: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      invariant(conflict > this.committed, 'entry conflicts with a committed entry', {
        ...this.where(),
        index: conflict,
        committed: this.committed,
      });
      this.append(ents.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** The index of the first entry whose term differs from ours (or that we lack); 0 if none. */
  private findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term: the fast-backtracking
   * hint. Every entry after it is known not to match a log whose entry at `index` has `term`.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    if (index > this.lastIndex()) return { index, term: 0 };
    let i = index;
    for (;;) {
      if (i < this.firstIndex() - 1) return { index: i, term: 0 };
      const t = this.term(i);
      if (t <= term) return { index: i, term: t };
      i--;
    }
  }

  append(ents: readonly Entry[]): number {
    const first = ents[0];
    if (first === undefined) return this.lastIndex();
    invariant(first.index - 1 >= this.committed, 'truncation below commit', {
      ...this.where(),
      index: first.index,
      committed: this.committed,
    });
    invariant(first.index <= this.lastIndex() + 1, 'append leaves a gap in the log', {
      ...this.where(),
      index: first.index,
      lastIndex: this.lastIndex(),
    });
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  commitTo(toCommit: number): void {
    if (toCommit <= this.committed) return;
    invariant(toCommit <= this.lastIndex(), 'commit index beyond last index', {
      ...this.where(),
      index: toCommit,
      lastIndex: this.lastIndex(),
    });
    this.committed = toCommit;
  }

  /** Leader side: commit `maxIndex` if its entry has `term` (or unconditionally if `ignoreTerm`). */
  maybeCommit(maxIndex: number, term: number, ignoreTerm: boolean): boolean {
    if (maxIndex > this.committed && (ignoreTerm || this.zeroTermOnCompacted(maxIndex) === term)) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    invariant(i <= this.committed && i >= this.applied, 'applied index out of range', {
      ...this.where(),
      index: i,
      applied: this.applied,
      committed: this.committed,
    });
    this.applied = i;
    this.applying = Math.max(this.applying, i);
  }

  /** The driver was handed entries up to `i` to apply (RawNode.ready). */
  applyingTo(i: number): void {
    this.applying = Math.max(this.applying, i);
  }

  /** Committed entries are in the driver's hands and not yet all applied. */
  isApplying(): boolean {
    return this.applying > this.applied;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  /**
   * The last index the driver has made durable as far as the core knows (advance()). A pending
   * snapshot is not counted out: only a follower holds one, and only a leader asks.
   */
  lastStableIndex(): number {
    return this.unstable.entries.length > 0 ? this.unstable.offset - 1 : this.lastIndex();
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries.length === 0 ? NO_ENTRIES : this.unstable.entries.slice();
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  private nextCommittedRange(): [number, number] | undefined {
    if (this.hasPendingSnapshot()) return undefined;
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const hi = this.committed + 1;
    return lo < hi ? [lo, hi] : undefined;
  }

  hasNextCommittedEntries(): boolean {
    return this.nextCommittedRange() !== undefined;
  }

  nextCommittedEntries(): readonly Entry[] {
    const range = this.nextCommittedRange();
    return range === undefined ? NO_ENTRIES : this.slice(range[0], range[1]);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries from `lo` to the end, at most `maxBytes` (at least one). Throws CompactedError. */
  entriesFrom(lo: number, maxBytes?: number): Entry[] {
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  /** Entries in [lo, hi), at most `maxBytes` (at least one). Throws CompactedError below firstIndex. */
  slice(lo: number, hi: number, maxBytes?: number): Entry[] {
    invariant(lo <= hi && hi <= this.lastIndex() + 1, 'log slice out of bounds', {
      ...this.where(),
      lo,
      hi,
      lastIndex: this.lastIndex(),
    });
    if (lo < this.firstIndex()) throw new CompactedError(lo, this.firstIndex());
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    let ents: Entry[] = [];
    if (lo < offset) {
      const storedHi = Math.min(hi, offset);
      ents = this.storage.entries(lo, storedHi, maxBytes);
      // The size limit cut the stored part short: the unstable part would exceed it too.
      if (ents.length < storedHi - lo) return ents;
    }
    if (hi > offset) {
      const fresh = this.unstable.slice(Math.max(lo, offset), hi, maxBytes);
      if (ents.length === 0) return fresh;
      ents = ents.concat(fresh);
    }
    return limitSize(ents, maxBytes);
  }
}
