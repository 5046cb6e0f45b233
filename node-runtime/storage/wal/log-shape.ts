// The shape of the Raft log without its data: where it starts, where it ends and the term of each
// index (kept as runs of equal terms, which are few). The writer uses it to validate appends
// and to describe the log in segment headers; replay uses it to rebuild the log of record.
//
// Rules, shared by writer and replay so that a replay yields exactly what was written:
// - an append continues the log at lastIndex + 1, terms never decrease;
// - `truncateFrom(i)` discards indices >= i (a follower's conflicting suffix);
// - a snapshot at (S, T) keeps the entries after S when the log holds S with term T, and
//   otherwise discards the whole log (etcd's rule for an installed snapshot). The writer decides
//   which (`snapshotDiscardsLog`) and the WAL records the decision.
//
// Replay may start at a compacted point and so know only a suffix of the writer's log: indices
// at or below its base, and the term at the base after a truncation below it, are unknown.
// Every operation keeps replay's log equal to the writer's log above replay's base.

export class LogShape {
  private runs: { first: number; term: number }[] = [];
  private base = 0;
  private baseTermKnown: number | undefined = 0;
  private last = 0;

  /** A log that starts after `index`, whose term there is `term` (undefined: unknown). */
  static startingAfter(index: number, term: number | undefined): LogShape {
    const shape = new LogShape();
    shape.base = index;
    shape.baseTermKnown = term;
    shape.last = index;
    return shape;
  }

  clone(): LogShape {
    const copy = LogShape.startingAfter(this.base, this.baseTermKnown);
    copy.runs = this.runs.map((r) => ({ ...r }));
    copy.last = this.last;
    return copy;
  }

  /** Index just before the first entry held (the snapshot index, or 0). */
  get baseIndex(): number {
    return this.base;
  }

  get lastIndex(): number {
    return this.last;
  }

  get lastTerm(): number | undefined {
    return this.runs.at(-1)?.term ?? this.baseTermKnown;
  }

  /** Term at `index` when known; undefined outside [baseIndex, lastIndex] or when unknown. */
  termAt(index: number): number | undefined {
    if (index === this.base) return this.baseTermKnown;
    if (index < this.base || index > this.last) return undefined;
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.runs[mid]?.first ?? Infinity) <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.runs[lo]?.term;
  }

  /** Why appending (index, term) would break the log's rules, or undefined when it is fine. */
  appendProblem(index: number, term: number): string | undefined {
    if (index !== this.last + 1) return `entry ${index} does not follow last index ${this.last}`;
    const lastTerm = this.lastTerm;
    if (lastTerm !== undefined && term < lastTerm) return `entry ${index} has term ${term}, lower than the preceding term ${lastTerm}`;
    return undefined;
  }

  append(index: number, term: number): void {
    const problem = this.appendProblem(index, term);
    if (problem !== undefined) throw new Error(`LogShape invariant: ${problem}`);
    if (this.runs.at(-1)?.term !== term) this.runs.push({ first: index, term });
    this.last = index;
  }

  /** Discards indices >= `from`. `from` may be at most lastIndex + 1. */
  truncateFrom(from: number): void {
    if (from > this.last + 1) throw new Error(`LogShape invariant: truncate from ${from} beyond last index ${this.last}`);
    if (from <= this.base) {
      this.base = from - 1;
      this.baseTermKnown = undefined;
      this.runs = [];
    } else {
      this.runs = this.runs.filter((r) => r.first < from);
    }
    this.last = from - 1;
  }

  /** Whether a snapshot at (index, term) discards the log rather than keeping what follows it. */
  snapshotDiscardsLog(index: number, term: number): boolean {
    const held = this.termAt(index);
    return index > this.last || (held !== undefined && held !== term);
  }

  /**
   * Applies a snapshot marker with the writer's decision. A kept log below the base changes
   * nothing here: what this shape holds all lies after the snapshot.
   */
  applySnapshot(index: number, term: number, discardsLog: boolean): void {
    if (discardsLog) {
      this.runs = [];
      this.last = index;
    } else if (index < this.base) {
      return;
    } else {
      if (index > this.last) throw new Error(`LogShape invariant: snapshot ${index} keeps a log that ends at ${this.last}`);
      const after = this.runs.filter((r) => r.first > index);
      const spanning = index < this.last ? this.termAt(index + 1) : undefined;
      this.runs = spanning !== undefined && after[0]?.first !== index + 1 ? [{ first: index + 1, term: spanning }, ...after] : after;
    }
    this.base = index;
    this.baseTermKnown = term;
  }
}
