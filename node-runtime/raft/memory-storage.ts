// LogStorage kept in memory: used by tests and the simulator, and by the node as the in-memory
// mirror of its write-ahead log. The caller persists what a Ready hands out (append, setHardState,
// applySnapshot) and compacts the log after taking a snapshot (createSnapshot, then compact).

import { encodeConfChange } from './codec';
import { CompactedError, RaftInvariantError, SnapshotOutOfDateError, invariant } from './errors';
import { entrySizeOf, sizeLimitedEnd } from './entry-size';
import type { ConfState, Entry, HardState, LogStorage, NodeId, Snapshot } from './types';

const EMPTY_DATA = new Uint8Array(0);

export const EMPTY_CONF_STATE: ConfState = { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: 0, commit: 0 };

function dummyEntry(index: number, term: number): Entry {
  return { index, term, kind: 'normal', data: EMPTY_DATA };
}

function bootstrapEntry(cs: ConfState): Entry {
  invariant(cs.votersOutgoing.length === 0 && cs.learnersNext.length === 0, 'a cluster cannot start in a joint configuration', {
    voters: cs.voters,
    votersOutgoing: cs.votersOutgoing,
  });
  // Every founder must write byte-identical entries at (1, 1), whatever order it was given.
  const ascending = (ids: readonly number[]) => [...ids].sort((x, y) => x - y);
  const changes = [
    ...ascending(cs.voters).map((nodeId) => ({ op: 'addVoter' as const, nodeId })),
    ...ascending(cs.learners).map((nodeId) => ({ op: 'addLearner' as const, nodeId })),
  ];
  return { index: 1, term: 1, kind: 'confChange', data: encodeConfChange({ changes, transition: 'auto' }) };
}

/**
 * Where a node's log keeps entries durably (its WAL): the in-memory log then drops the data of
 * entries applied a while ago and reads it back from there when the core asks for them again
 * (a lagging follower) — small files ride inside their entries (issue #11), so a log window of
 * 32 MiB would otherwise stay in memory. Called synchronously, for entries persisted before.
 */
export interface SpilledEntries {
  /** The data of persisted entry `index`, of term `term`. */
  read(index: number, term: number): Uint8Array;
  /** Applied entries' data kept in memory, newest first, before older ones are dropped. */
  readonly keepAppliedBytes: number;
}

export class MemoryStorage implements LogStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot;
  /** ents[0] is a placeholder at the snapshot index carrying its term; real entries follow. */
  private ents: Entry[];
  private spill: SpilledEntries | undefined;
  /** Data lengths of the entries whose data was dropped (all of them at or below `droppedThrough`). */
  private dropped = new Map<number, number>();
  private droppedThrough = 0;
  /** Applied entries up to here are counted in `appliedBytes` (the data still held of them). */
  private countedThrough = 0;
  private appliedBytes = 0;

  /**
   * A fresh storage; `confState` is the initial membership of a new cluster (empty for a node
   * that joins an existing one). A founding member starts with that membership in force and with
   * one log entry (index 1, term 1) recording it: a node that joins later learns the founding
   * membership by applying that entry, then every change after it, from the leader's log.
   */
  constructor(confState: ConfState = EMPTY_CONF_STATE) {
    this.snap = { metadata: { index: 0, term: 0, confState }, data: EMPTY_DATA };
    this.ents = [dummyEntry(0, 0)];
    if (confState.voters.length > 0 || confState.learners.length > 0) this.ents.push(bootstrapEntry(confState));
  }

  /** A fresh storage for a new cluster whose voters are `ids`. */
  static withVoters(ids: readonly NodeId[], learners: readonly NodeId[] = []): MemoryStorage {
    return new MemoryStorage({ ...EMPTY_CONF_STATE, voters: [...ids], learners: [...learners] });
  }

  /** A copy sharing no mutable state: a log recovered from a "disk" that outlives it. */
  clone(): MemoryStorage {
    const copy = new MemoryStorage();
    copy.hardState = this.hardState;
    copy.snap = this.snap;
    copy.ents = [...this.ents];
    copy.spill = this.spill;
    copy.dropped = new Map(this.dropped);
    copy.droppedThrough = this.droppedThrough;
    copy.countedThrough = this.countedThrough;
    copy.appliedBytes = this.appliedBytes;
    return copy;
  }

  /** From now on, applied entries' data beyond `spill.keepAppliedBytes` may be dropped (releaseApplied). */
  spillTo(spill: SpilledEntries): void {
    this.spill = spill;
  }

  /**
   * Entries up to `applied` were applied: the data of the oldest goes from memory until what is
   * held of applied entries fits in keepAppliedBytes. Nothing happens without spillTo.
   */
  releaseApplied(applied: number): void {
    if (this.spill === undefined) return;
    const last = Math.min(applied, this.lastIndex());
    for (let i = Math.max(this.countedThrough, this.offset) + 1; i <= last; i++) this.appliedBytes += (this.ents[i - this.offset] as Entry).data.byteLength;
    this.countedThrough = Math.max(this.countedThrough, last);
    let i = Math.max(this.droppedThrough, this.offset) + 1;
    for (; this.appliedBytes > this.spill.keepAppliedBytes && i <= this.countedThrough; i++) {
      const e = this.ents[i - this.offset] as Entry;
      this.dropped.set(i, e.data.byteLength);
      this.appliedBytes -= e.data.byteLength;
      this.ents[i - this.offset] = { index: e.index, term: e.term, kind: e.kind, data: EMPTY_DATA };
    }
    this.droppedThrough = Math.max(this.droppedThrough, i - 1);
  }

  /** The length of entry `index`'s data, held or not. */
  dataBytes(index: number): number {
    return this.dropped.get(index) ?? (this.ents[index - this.offset] as Entry).data.byteLength;
  }

  /** Forgets what is kept about entries from `from` to `to` (dropped from the log), held data or dropped. */
  private forget(from: number, to: number): void {
    for (let i = from; i <= to; i++) {
      const length = this.dropped.get(i);
      if (length !== undefined) this.dropped.delete(i);
      else if (i <= this.countedThrough) this.appliedBytes -= (this.ents[i - this.offset] as Entry).data.byteLength;
    }
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  private get offset(): number {
    return (this.ents[0] as Entry).index;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    if (lo <= this.offset) throw new CompactedError(lo, this.firstIndex());
    invariant(hi <= this.lastIndex() + 1 && lo <= hi, 'storage entries out of range', { lo, hi, lastIndex: this.lastIndex() });
    const start = lo - this.offset;
    const ents = this.ents.slice(start, sizeLimitedEnd(this.ents, start, hi - this.offset, maxBytes, (e) => entrySizeOf(this.dataBytes(e.index))));
    if (lo > this.droppedThrough || this.spill === undefined) return ents;
    const spill = this.spill;
    return ents.map((e) => (this.dropped.has(e.index) ? { ...e, data: spill.read(e.index, e.term) } : e));
  }

  term(i: number): number {
    if (i < this.offset) throw new CompactedError(i, this.firstIndex());
    const e = this.ents[i - this.offset];
    if (e === undefined) throw new RaftInvariantError('storage term beyond last index', { index: i, lastIndex: this.lastIndex() });
    return e.term;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with a snapshot received from the leader (Ready.snapshot). */
  applySnapshot(snap: Snapshot): void {
    const { index, term } = snap.metadata;
    if (index <= this.snap.metadata.index) throw new SnapshotOutOfDateError(index, this.snap.metadata.index);
    this.snap = snap;
    this.ents = [dummyEntry(index, term)];
    this.dropped.clear();
    this.droppedThrough = index;
    this.countedThrough = index;
    this.appliedBytes = 0;
  }

  /**
   * Records the application's state at `index` (which it has applied) as the snapshot sent to
   * followers that fall behind. Call compact() afterwards to drop the entries it covers.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new SnapshotOutOfDateError(index, this.snap.metadata.index);
    invariant(index <= this.lastIndex(), 'snapshot beyond last index', { index, lastIndex: this.lastIndex() });
    this.snap = { metadata: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /** Discards entries up to and including `compactIndex`, which a snapshot must already cover. */
  compact(compactIndex: number): void {
    if (compactIndex <= this.offset) throw new CompactedError(compactIndex, this.firstIndex());
    invariant(compactIndex <= this.snap.metadata.index, 'compacting entries no snapshot covers', {
      index: compactIndex,
      snapshotIndex: this.snap.metadata.index,
    });
    this.forget(this.offset + 1, compactIndex);
    this.droppedThrough = Math.max(this.droppedThrough, compactIndex);
    this.countedThrough = Math.max(this.countedThrough, compactIndex);
    const kept = this.ents.slice(compactIndex - this.offset);
    kept[0] = dummyEntry(compactIndex, (kept[0] as Entry).term);
    this.ents = kept;
  }

  /** Appends entries from a Ready; entries at or after the first new index are replaced. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const last = first.index + entries.length - 1;
    if (last < this.firstIndex()) return;
    let ents = entries;
    if (first.index < this.firstIndex()) ents = entries.slice(this.firstIndex() - first.index);
    const start = (ents[0] as Entry).index - this.offset;
    invariant(start <= this.ents.length, 'storage append leaves a gap', { index: (ents[0] as Entry).index, lastIndex: this.lastIndex() });
    if (start < this.ents.length) {
      // Applied entries are committed and never replaced; forgotten all the same if they were.
      const from = this.offset + start;
      this.forget(from, this.lastIndex());
      this.droppedThrough = Math.min(this.droppedThrough, from - 1);
      this.countedThrough = Math.min(this.countedThrough, from - 1);
      this.ents = this.ents.slice(0, start);
    }
    for (const e of ents) this.ents.push(e);
  }
}
