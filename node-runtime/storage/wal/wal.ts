// The write-ahead log of Raft entries and hard state.
//
// Durability contract: when `save({ sync: true })` resolves, everything saved before it (in call
// order) survives a crash. Saves issued while an fsync is in flight are written together and
// share the next fsync (group commit), so throughput grows with concurrency instead of being
// capped at one save per fsync.
//
// Replay yields the log of record: entries appended at an index <= the last index replace the
// suffix from that index (a truncate record makes this explicit on disk), and a snapshot marker
// drops what the snapshot covers. Compaction deletes whole segments that only hold entries at or
// below a durable snapshot marker; every segment begins with the hard state and snapshot marker
// current when it was started, so deleting older segments never loses them.
import { closeSync, openSync, readSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { Entry, HardState, SnapshotMetadata } from '../../raft/types';
import { fsyncDir, mkdirDurable } from '../durable-fs';
import { WalClosedError, WalCorruptionError, WalFailedError, WalUsageError } from '../errors';
import type { LogShape } from './log-shape';
import { EntryLocations } from './entry-locations';
import { decodeBody, encodeFrame, entryFrameBytes, readFrame, WAL_FORMAT_VERSION } from './record';
import { LogReplay } from './replay';
import type { WalState } from './replay';
import type { SegmentName } from './segment';
import { listSegments, scanSegment, SegmentWriter } from './segment';

export interface WalOptions {
  /** A segment is closed and a new one started once it would grow past this. Default 64 MiB. */
  readonly segmentBytes?: number;
  /** How long a hard state alone that need not be durable is held (HOLD_MS); for tests. */
  readonly holdMs?: number;
}

export interface WalSaveRequest {
  /** Persisted first: a snapshot installed from the leader (its data already in the snapshot store). */
  readonly snapshot?: SnapshotMetadata;
  /** Contiguous entries; a first index <= the last index replaces the log from there on. */
  readonly entries?: readonly Entry[];
  readonly hardState?: HardState;
  /**
   * Resolve only once durable (Ready.mustSync). Without it, resolve once written to the OS — or,
   * for a hard state alone, at once, written within HOLD_MS or with the next save.
   */
  readonly sync: boolean;
}

export interface WalStats {
  /** save() calls that wrote something or asked for a sync. */
  readonly saves: number;
  /** Groups of saves written with one write call. */
  readonly batches: number;
  /** fdatasync calls on segment files (batches, segment rolls, new segments). */
  readonly fsyncs: number;
  readonly bytesWritten: number;
  readonly segments: number;
}

/** A tail cut off on open: the remains of a write interrupted by a crash. */
export interface TailRepair {
  readonly file: string;
  readonly offset: number;
  readonly bytesDropped: number;
  readonly reason: string;
}

export interface WalOpenResult {
  readonly wal: Wal;
  readonly state: WalState;
  readonly repairedTail?: TailRepair;
}

/**
 * A start reads every segment the WAL keeps, and compaction drops only whole segments: with small
 * files inside their entries (issue #11) a 64 MiB segment made a restart read and check 64 MiB of
 * entries already in the snapshot. 8 MiB keeps that part small; a new segment every few seconds
 * under a write storm costs a file creation and a directory fsync.
 */
export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;

/** What a segment header records: the log's state where the segment begins. */
interface LogPoint {
  readonly hardState: HardState;
  readonly snapshot: SnapshotMetadata | undefined;
  readonly lastIndex: number;
  readonly lastTerm: number | undefined;
}

interface PendingSave {
  readonly data: Buffer;
  /** Where each entry's frame starts in `data`, and its length. */
  readonly entries: readonly { readonly index: number; readonly at: number; readonly bytes: number }[];
  readonly sync: boolean;
  /** A hard state alone, held to be written with the next save (isHoldable). */
  readonly held: boolean;
  /** The log's state once this save is applied. */
  readonly after: LogPoint;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * A hard state alone that need not be durable — a new commit index, which the Raft driver saves
 * on every node after each write — is held up to this long, to be written with the next save
 * (issue #11: at one write in flight the leader's was a write and a thread-pool round trip per
 * write of its own). The save resolves at once. Losing it in a crash is what a crash may do to
 * any unsynced save: the node replays a little less of its log at restart and learns the rest
 * from the leader (RaftDriver.appliesWhilePersisting; the simulator's lossy disk drops them).
 */
const HOLD_MS = 10;

function isHoldable(request: WalSaveRequest): boolean {
  return !request.sync && request.snapshot === undefined && (request.entries?.length ?? 0) === 0 && request.hardState !== undefined;
}

function noop(): void {}

export class Wal {
  private pending: PendingSave[] = [];
  private flushing = false;
  /** Set while held saves wait to be written (holdBriefly). */
  private holdTimer: NodeJS.Timeout | null = null;
  /** Held saves are written by the next batch even if nothing else waits (the hold ran out, or close). */
  private writeHeld = false;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private failure: WalFailedError | undefined;
  /** State as of the last save accepted (validation happens against this, in call order). */
  private hardState: HardState;
  private snapshot: SnapshotMetadata | undefined;
  /** State as of the last write to the segment: what a segment started now must describe. */
  private written: LogPoint;
  /** State as of the last fsync: compaction may only rely on a durable snapshot marker. */
  private durable: LogPoint;
  private headerBytes = 0;
  /** Descriptors segments are read back through, opened when first needed. */
  private readonly readers = new Map<string, number>();
  /** Segments the last compaction deleted, still open for reading, and the last entry they hold. */
  private unlinked: string[] = [];
  private unlinkedThrough = 0;
  private counters = { saves: 0, batches: 0, fsyncs: 0, bytesWritten: 0 };

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
    private readonly holdMs: number,
    private readonly segments: SegmentName[],
    private segment: SegmentWriter,
    private shape: LogShape,
    state: WalState,
    private readonly locations: EntryLocations,
  ) {
    this.hardState = state.hardState;
    this.snapshot = state.snapshotMeta;
    this.written = this.currentPoint();
    this.durable = this.written;
  }

  /**
   * Opens (or creates) the WAL in `dir` and replays it. A torn tail in the last segment is cut
   * off (reported as `repairedTail`); any other damage throws WalCorruptionError.
   */
  static async open(dir: string, options: WalOptions = {}): Promise<WalOpenResult> {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    await mkdirDurable(dir);
    const segments = await listSegments(dir);
    const replay = new LogReplay();
    const locations = new EntryLocations();
    let tail: { validBytes: number; fileBytes: number; records: number } | undefined;
    let repairedTail: TailRepair | undefined;
    for (const [i, seg] of segments.entries()) {
      const isLast = i === segments.length - 1;
      const buf = await fs.readFile(seg.file);
      const scan = scanSegment(seg.file, buf, isLast);
      const header = scan.records[0]?.record;
      if (header !== undefined && (header.type !== 'segmentHeader' || header.seq !== seg.seq || header.firstIndex !== seg.firstIndex)) {
        throw new WalCorruptionError(seg.file, 0, 'first record is not the header this file name announces');
      }
      if (header === undefined && !isLast) throw new WalCorruptionError(seg.file, 0, 'sealed segment holds no records');
      for (const { record, offset } of scan.records) {
        if (record.type === 'segmentHeader' && offset > 0) throw new WalCorruptionError(seg.file, offset, 'segment header in the middle of a segment');
        replay.apply(record, seg.file, offset);
        if (record.type === 'entry') locations.record(record.entry.index, seg.file, offset, entryFrameBytes(record.entry));
      }
      if (scan.tornTail !== undefined) {
        repairedTail = { file: seg.file, offset: scan.tornTail.offset, bytesDropped: buf.length - scan.validBytes, reason: scan.tornTail.reason };
      }
      if (isLast) tail = { validBytes: scan.validBytes, fileBytes: buf.length, records: scan.records.length };
    }
    const state = replay.result();
    const shape = replay.logShape();

    let writer: SegmentWriter;
    let headerBytes = 0;
    const last = segments.at(-1);
    if (last !== undefined && tail !== undefined && tail.records > 0) {
      writer = await SegmentWriter.reopen(last, tail.validBytes, tail.fileBytes);
    } else {
      // No segment yet, or the last one was being created when the process died (not even its
      // header survived): start that segment afresh.
      if (last !== undefined) {
        segments.pop();
        await fs.unlink(last.file);
      }
      const seq = last?.seq ?? 1;
      const point: LogPoint = { hardState: state.hardState, snapshot: state.snapshotMeta, lastIndex: shape.lastIndex, lastTerm: shape.lastTerm };
      const header = encodeHeader(seq, point);
      writer = await SegmentWriter.create(dir, seq, point.lastIndex + 1, header);
      headerBytes = header.length;
      segments.push(writer.name);
    }
    const wal = new Wal(dir, segmentBytes, options.holdMs ?? HOLD_MS, segments, writer, shape, state, locations);
    wal.headerBytes = headerBytes;
    return repairedTail === undefined ? { wal, state } : { wal, state, repairedTail };
  }

  /**
   * Appends a snapshot marker, entries and a hard state (in that order, Ready's persist order).
   * Saves are applied in call order. Rejects with WalUsageError (nothing written) when entries
   * would leave a gap, reach into the snapshot, or are not contiguous.
   */
  save(request: WalSaveRequest): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new WalClosedError(this.dir));
    let encoded: { data: Buffer; entries: PendingSave['entries'] };
    try {
      encoded = this.encodeSave(request);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const { data, entries } = encoded;
    if (data.length === 0 && !request.sync) return Promise.resolve();
    this.counters.saves += 1;
    if (isHoldable(request)) {
      this.pending.push({ data, entries, sync: false, held: true, after: this.currentPoint(), resolve: noop, reject: noop });
      this.holdBriefly();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ data, entries, sync: request.sync, held: false, after: this.currentPoint(), resolve, reject });
      this.startFlushing();
    });
  }

  /** Writes held saves (isHoldable) within HOLD_MS if no other save writes them first. */
  private holdBriefly(): void {
    if (this.flushing || this.holdTimer !== null) return;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      this.writeHeld = true;
      this.startFlushing();
    }, this.holdMs);
    this.holdTimer.unref();
  }

  /** Records (durably) that a snapshot at `metadata` is stored; compaction may then go up to it. */
  markSnapshot(metadata: SnapshotMetadata): Promise<void> {
    return this.save({ snapshot: metadata, sync: true });
  }

  /**
   * Deletes segments that only hold entries at or below `index`, which must not exceed the newest
   * durable snapshot marker. The segment being written is never deleted. Returns how many went.
   */
  async compact(index: number): Promise<number> {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new WalClosedError(this.dir);
    const durableSnapshot = this.durable.snapshot?.index ?? 0;
    if (index > durableSnapshot) {
      throw new WalUsageError(`cannot compact ${this.dir} through index ${index}: the newest durable snapshot marker is at index ${durableSnapshot}`);
    }
    let obsolete = 0;
    while (obsolete + 1 < this.segments.length && (this.segments[obsolete + 1]?.firstIndex ?? Infinity) <= index + 1) obsolete += 1;
    const doomed = this.segments.splice(0, obsolete);
    // The in-memory log drops these entries only once the snapshot is installed, a little later
    // (MemoryStorage.compact), and may read one back until then: the segments of the previous
    // compaction go from the index now, and these stay readable, unlinked, through a descriptor.
    for (const file of this.unlinked) this.closeReader(file);
    this.locations.dropThrough(this.unlinkedThrough);
    this.unlinked = doomed.map((seg) => seg.file);
    // Entries in the doomed segments lie below the first kept one (a later rewrite of one of
    // them would be above the durable snapshot, and those are never compacted).
    if (doomed.length > 0) this.unlinkedThrough = Math.min(index, (this.segments[0] as SegmentName).firstIndex - 1);
    for (const seg of doomed) {
      this.reader(seg.file);
      await fs.unlink(seg.file);
    }
    if (doomed.length > 0) await fsyncDir(this.dir);
    return doomed.length;
  }

  /** Waits for pending saves, syncs, and releases the file. Later saves reject with WalClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writeHeld = true;
    if (this.pending.length > 0) this.startFlushing();
    await this.whenIdle();
    try {
      if (this.failure === undefined) await this.segment.sync();
    } finally {
      for (const file of [...this.readers.keys()]) this.closeReader(file);
      await this.segment.close();
    }
  }

  /**
   * Reads entry `index` back from its segment, synchronously (the Raft core asks for entries
   * synchronously; these come from the page cache), checking its frame's CRC. Only an entry
   * whose save resolved may be asked for; one compacted away (by the compaction before last)
   * or never written throws.
   */
  readEntry(index: number, term: number): Entry {
    const at = this.locations.get(index);
    if (at === undefined) throw new WalUsageError(`entry ${index} is not in the write-ahead log in ${this.dir}`);
    const fd = this.reader(at.file);
    const frame = Buffer.allocUnsafeSlow(at.bytes);
    let got = 0;
    while (got < at.bytes) {
      const n = readSync(fd, frame, got, at.bytes - got, at.offset + got);
      if (n === 0) break;
      got += n;
    }
    const read = readFrame(frame.subarray(0, got), 0);
    if (!read.ok) throw new WalCorruptionError(at.file, at.offset, `reading entry ${index} back: ${read.reason}`);
    const record = decodeBody(read.body);
    if (record.type !== 'entry' || record.entry.index !== index || record.entry.term !== term) throw new WalCorruptionError(at.file, at.offset, `reading entry ${index} (term ${term}) back found another record`);
    return record.entry;
  }

  private reader(file: string): number {
    let fd = this.readers.get(file);
    if (fd === undefined) {
      fd = openSync(file, 'r');
      this.readers.set(file, fd);
    }
    return fd;
  }

  private closeReader(file: string): void {
    const fd = this.readers.get(file);
    if (fd === undefined) return;
    this.readers.delete(file);
    closeSync(fd);
  }

  stats(): WalStats {
    return { ...this.counters, segments: this.segments.length };
  }

  get lastIndex(): number {
    return this.shape.lastIndex;
  }

  /** Validates a save against the state so far, applies it to that state, and encodes it. */
  private encodeSave({ snapshot, entries = [], hardState }: WalSaveRequest): { data: Buffer; entries: PendingSave['entries'] } {
    const first = entries[0];
    const frames: Buffer[] = [];
    const placed: { index: number; at: number; bytes: number }[] = [];
    let bytes = 0;
    const push = (frame: Buffer): void => {
      frames.push(frame);
      bytes += frame.length;
    };
    // Validate against a copy so that a rejected save changes nothing.
    const shape = this.shape.clone();
    if (snapshot !== undefined) {
      if (snapshot.index < (this.snapshot?.index ?? 0)) {
        throw new WalUsageError(`snapshot at index ${snapshot.index} is older than the one marked at ${this.snapshot?.index}`);
      }
      const discardsLog = shape.snapshotDiscardsLog(snapshot.index, snapshot.term);
      shape.applySnapshot(snapshot.index, snapshot.term, discardsLog);
      push(encodeFrame({ type: 'snapshot', metadata: snapshot, discardsLog }));
    }
    const snapshotIndex = snapshot?.index ?? this.snapshot?.index ?? 0;
    if (first !== undefined) {
      if (first.index <= snapshotIndex) {
        throw new WalUsageError(`entries from index ${first.index} reach into the snapshot at index ${snapshotIndex}`);
      }
      if (first.index > shape.lastIndex + 1) {
        throw new WalUsageError(`entries from index ${first.index} leave a gap after last index ${shape.lastIndex}`);
      }
      if (first.index <= shape.lastIndex) {
        shape.truncateFrom(first.index);
        push(encodeFrame({ type: 'truncate', fromIndex: first.index }));
      }
      for (const entry of entries) {
        const problem = shape.appendProblem(entry.index, entry.term);
        if (problem !== undefined) throw new WalUsageError(problem);
        shape.append(entry.index, entry.term);
        placed.push({ index: entry.index, at: bytes, bytes: entryFrameBytes(entry) });
        push(encodeFrame({ type: 'entry', entry }));
      }
    }
    if (hardState !== undefined) push(encodeFrame({ type: 'hardState', hardState }));
    this.shape = shape;
    if (snapshot !== undefined) this.snapshot = snapshot;
    if (hardState !== undefined) this.hardState = hardState;
    return { data: frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames, bytes), entries: placed };
  }

  private currentPoint(): LogPoint {
    return { hardState: this.hardState, snapshot: this.snapshot, lastIndex: this.shape.lastIndex, lastTerm: this.shape.lastTerm };
  }

  private startFlushing(): void {
    if (this.holdTimer !== null) {
      clearTimeout(this.holdTimer);
      this.holdTimer = null;
    }
    if (this.flushing) return;
    this.flushing = true;
    void this.flushLoop();
  }

  /** Writes queued saves batch by batch; whatever queues up during one batch forms the next. */
  private async flushLoop(): Promise<void> {
    for (;;) {
      // Before each batch, one pass of the microtask queue (a process.nextTick runs once it is
      // empty): saves issued in this turn join the batch — among them those of callers the last
      // batch just released, instead of every other batch holding a single straggler. Unlike the
      // setImmediate this was, it costs no turn of the event loop, which at one write in flight
      // was one per write on every node (issue #11).
      await new Promise<void>((resolve) => process.nextTick(resolve));
      if (this.pending.length === 0 || this.failure !== undefined) break;
      // Only held saves left (a commit index saved while the last batch was written: the leader's,
      // when its own log write completes a write's quorum): held like any other, not written in a
      // batch of their own — at one write in flight that was a thread-pool round trip for about a
      // third of the leader's writes, and the next write's entries waited behind it (issue #11).
      if (!this.writeHeld && this.pending.every((save) => save.held)) break;
      this.writeHeld = false;
      const batch = this.pending.splice(0);
      try {
        await this.writeBatch(batch);
        for (const save of batch) save.resolve();
      } catch (err) {
        this.failure = new WalFailedError(this.segment.name.file, { cause: err });
        for (const save of batch) save.reject(this.failure);
      }
    }
    // No await between the loop's last check and here: a save queued now starts a new loop.
    this.flushing = false;
    if (this.failure !== undefined) for (const save of this.pending.splice(0)) save.reject(this.failure);
    else if (this.pending.length > 0) this.holdBriefly();
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async writeBatch(batch: readonly PendingSave[]): Promise<void> {
    let buffers: Buffer[] = [];
    let bytes = 0;
    let point = this.written;
    let sync = false;
    for (const save of batch) {
      // A save never spans two segments, so a segment may exceed segmentBytes by one save.
      const segmentHasData = this.segment.size + bytes > this.headerBytes;
      if (segmentHasData && this.segment.size + bytes + save.data.length > this.segmentBytes) {
        await this.append(buffers, bytes, point);
        buffers = [];
        bytes = 0;
        await this.roll();
      }
      // Recorded before the write lands: nobody reads an entry back before its save resolves.
      const start = this.segment.size + bytes;
      for (const e of save.entries) this.locations.record(e.index, this.segment.name.file, start + e.at, e.bytes);
      buffers.push(save.data);
      bytes += save.data.length;
      point = save.after;
      sync ||= save.sync;
    }
    await this.append(buffers, bytes, point, sync);
    if (sync) {
      this.counters.fsyncs += 1;
      this.durable = point;
    }
  }

  /** Writes `buffers` (`bytes` in all) to the segment; with `sync`, durably, with all before them. */
  private async append(buffers: Buffer[], bytes: number, after: LogPoint, sync = false): Promise<void> {
    if (bytes > 0) {
      const data = buffers.length === 1 ? (buffers[0] as Buffer) : Buffer.concat(buffers, bytes);
      await (sync ? this.segment.appendDurably(data) : this.segment.append(data));
      this.counters.batches += 1;
      this.counters.bytesWritten += bytes;
    } else if (sync) {
      await this.segment.sync();
    }
    this.written = after;
  }

  /** Seals the current segment (durably) and starts the next one where the log now ends. */
  private async roll(): Promise<void> {
    const point = this.written;
    await this.segment.sync();
    this.counters.fsyncs += 1;
    this.durable = point;
    await this.segment.close();
    const seq = this.segment.name.seq + 1;
    const header = encodeHeader(seq, point);
    this.segment = await SegmentWriter.create(this.dir, seq, point.lastIndex + 1, header);
    this.counters.fsyncs += 1;
    this.counters.bytesWritten += header.length;
    this.headerBytes = header.length;
    this.segments.push(this.segment.name);
  }

  private whenIdle(): Promise<void> {
    if (!this.flushing && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

function encodeHeader(seq: number, point: LogPoint): Buffer {
  const frames = [
    encodeFrame({ type: 'segmentHeader', version: WAL_FORMAT_VERSION, seq, firstIndex: point.lastIndex + 1, prevTerm: point.lastTerm ?? 0 }),
    encodeFrame({ type: 'hardState', hardState: point.hardState }),
  ];
  // Repeated for compaction's sake; the log after it is already what it should be.
  if (point.snapshot !== undefined) frames.push(encodeFrame({ type: 'snapshot', metadata: point.snapshot, discardsLog: false }));
  return Buffer.concat(frames);
}
