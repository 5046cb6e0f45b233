// Rebuilds the log of record from the WAL's records, in order. Every rule a writer follows is
// checked again here; a record that breaks one means the files are damaged or mixed up, and
// replay refuses rather than guessing.
import type { Entry, HardState, SnapshotMetadata } from '../../raft/types';
import { WalCorruptionError } from '../errors';
import { LogShape } from './log-shape';
import type { WalRecord } from './record';
import { unreadableFormat } from '../../common/format-version';
import { WAL_FORMAT_VERSION } from './record';

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: 0, commit: 0 };

/** What a WAL holds: feed it to MemoryStorage (snapshot first, then entries, then hard state). */
export interface WalState {
  readonly hardState: HardState;
  /** The newest snapshot marked in the log; its data lives in the snapshot store. */
  readonly snapshotMeta?: SnapshotMetadata;
  /** Entries after the snapshot (or from index 1), contiguous. */
  readonly entries: readonly Entry[];
}

/** Term 0 only ever belongs to index 0; a header with term 0 after index 0 means "unknown". */
export function headerTerm(prevIndex: number, prevTerm: number): number | undefined {
  return prevIndex > 0 && prevTerm === 0 ? undefined : prevTerm;
}

export class LogReplay {
  private shape: LogShape | undefined;
  private entries: Entry[] = [];
  private hardState: HardState = EMPTY_HARD_STATE;
  private snapshotMeta: SnapshotMetadata | undefined;
  private firstFile = '';

  /** Applies one record read at `offset` of `file`. */
  apply(record: WalRecord, file: string, offset: number): void {
    const fail = (reason: string): never => {
      throw new WalCorruptionError(file, offset, reason);
    };
    if (record.type === 'segmentHeader') {
      if (record.version !== WAL_FORMAT_VERSION) fail(unreadableFormat('the write-ahead log segment', record.version, [WAL_FORMAT_VERSION]));
      if (this.shape === undefined) {
        this.firstFile = file;
        this.shape = LogShape.startingAfter(record.firstIndex - 1, headerTerm(record.firstIndex - 1, record.prevTerm));
        return;
      }
      const lastTerm = this.shape.lastTerm;
      if (record.firstIndex !== this.shape.lastIndex + 1 || (lastTerm !== undefined && headerTerm(record.firstIndex - 1, record.prevTerm) !== lastTerm)) {
        fail(`segment starts after index ${record.firstIndex - 1} term ${record.prevTerm}, but the log so far ends at index ${this.shape.lastIndex} term ${lastTerm ?? 'unknown'}`);
      }
      return;
    }
    const shape = this.shape ?? fail('segment does not start with a segment header');
    switch (record.type) {
      case 'entry': {
        const { entry } = record;
        const problem = shape.appendProblem(entry.index, entry.term);
        if (problem !== undefined) fail(problem);
        shape.append(entry.index, entry.term);
        this.entries.push(entry);
        return;
      }
      case 'hardState':
        this.hardState = record.hardState;
        return;
      case 'truncate':
        if (record.fromIndex < 1 || record.fromIndex > shape.lastIndex + 1) {
          fail(`truncation from index ${record.fromIndex} outside the log (last index ${shape.lastIndex})`);
        }
        shape.truncateFrom(record.fromIndex);
        this.trimEntries(shape);
        return;
      case 'snapshot': {
        const { index, term } = record.metadata;
        if (!record.discardsLog && index >= shape.baseIndex) {
          const held = shape.termAt(index);
          if (index > shape.lastIndex || (held !== undefined && held !== term)) {
            fail(`snapshot marker ${index}/${term} claims to keep a log that holds ${index > shape.lastIndex ? 'no such index' : `term ${held} there`}`);
          }
        }
        this.snapshotMeta = record.metadata;
        shape.applySnapshot(index, term, record.discardsLog);
        this.trimEntries(shape);
        return;
      }
    }
  }

  /** The shape of the replayed log, for the writer to continue from. */
  logShape(): LogShape {
    return this.shape ?? new LogShape();
  }

  result(): WalState {
    const shape = this.logShape();
    const snapshotIndex = this.snapshotMeta?.index ?? 0;
    if (shape.baseIndex !== snapshotIndex) {
      throw new WalCorruptionError(this.firstFile, 0, `the log starts after index ${shape.baseIndex}, but the newest snapshot marker is at index ${snapshotIndex}`);
    }
    return this.snapshotMeta === undefined
      ? { hardState: this.hardState, entries: this.entries }
      : { hardState: this.hardState, snapshotMeta: this.snapshotMeta, entries: this.entries };
  }

  /** Keeps exactly the entries in (baseIndex, lastIndex] after a truncation or a snapshot. */
  private trimEntries(shape: LogShape): void {
    const first = this.entries[0]?.index;
    if (first === undefined) return;
    const lo = Math.max(0, shape.baseIndex + 1 - first);
    const hi = Math.max(0, shape.lastIndex + 1 - first);
    if (lo > 0 || hi < this.entries.length) this.entries = this.entries.slice(lo, hi);
  }
}
