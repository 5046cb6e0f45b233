// Segment files of the WAL: naming, reading back (with torn-tail detection) and appending.
//
// A segment is named `<seq>-<firstIndex>.wal` (16 hex digits each): `seq` orders segments even
// when a truncation makes indices go backwards; `firstIndex` is the log's last index + 1 when the
// segment was started, which is what compaction needs to decide that a segment is obsolete.
// Only the last segment is ever written to. A segment is fsynced before the next one is created,
// so damage in any but the last segment cannot be a torn write.
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir, writeFully, writevFully } from '../durable-fs';
import { WalCorruptionError } from '../errors';
import type { WalRecord } from './record';
import { decodeBody, FRAME_HEADER_BYTES, mayHoldFrame, readFrame, RecordFormatError } from './record';

export interface SegmentName {
  readonly seq: number;
  readonly firstIndex: number;
  readonly file: string;
}

const SEGMENT_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export function segmentFileName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

/** Segments in `dir`, ordered by sequence number. Other files are not the WAL's and are ignored. */
export async function listSegments(dir: string): Promise<SegmentName[]> {
  const segments: SegmentName[] = [];
  for (const name of await fs.readdir(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    segments.push({ seq: parseInt(m[1], 16), firstIndex: parseInt(m[2], 16), file: path.join(dir, name) });
  }
  segments.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1];
    const cur = segments[i];
    if (prev !== undefined && cur !== undefined && cur.seq !== prev.seq + 1) {
      throw new WalCorruptionError(cur.file, 0, `segment ${prev.seq + 1} is missing (found ${prev.seq} then ${cur.seq})`);
    }
  }
  return segments;
}

export interface ScannedRecord {
  readonly offset: number;
  readonly record: WalRecord;
}

export interface SegmentScan {
  readonly records: ScannedRecord[];
  /** Bytes from the start that hold intact records; the rest is a torn tail. */
  readonly validBytes: number;
  /** Set when the segment ends in a torn or damaged record that nothing valid follows. */
  readonly tornTail?: { readonly offset: number; readonly reason: string };
}

/**
 * Parses a segment's bytes. In the last segment a bad record with nothing valid after it is a
 * torn write (power loss mid-append) and is reported as `tornTail`; a bad record followed by a
 * valid one, or any bad record in an earlier (sealed) segment, throws WalCorruptionError.
 */
export function scanSegment(file: string, buf: Buffer, isLast: boolean): SegmentScan {
  const records: ScannedRecord[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const frame = readFrame(buf, offset);
    if (!frame.ok) {
      if (!isLast) throw new WalCorruptionError(file, offset, `${frame.reason} in a sealed segment`);
      const later = findIntactFrame(buf, offset + 1);
      if (later !== undefined) {
        throw new WalCorruptionError(file, offset, `${frame.reason}, yet an intact record follows at offset ${later}`);
      }
      return { records, validBytes: offset, tornTail: { offset, reason: frame.reason } };
    }
    try {
      records.push({ offset, record: decodeBody(frame.body) });
    } catch (err) {
      if (err instanceof RecordFormatError) throw new WalCorruptionError(file, offset, err.message);
      throw err;
    }
    offset = frame.next;
  }
  return { records, validBytes: offset };
}

/**
 * The first offset at or after `from` where an intact, parsable record starts. A CRC-32 match on
 * garbage is a one-in-four-billion event per candidate, so a hit means real records follow.
 * Linear in the tail's size: the CRC is only computed where the structure already fits.
 */
function findIntactFrame(buf: Buffer, from: number): number | undefined {
  for (let offset = from; offset + FRAME_HEADER_BYTES < buf.length; offset++) {
    if (!mayHoldFrame(buf, offset)) continue;
    const frame = readFrame(buf, offset);
    if (!frame.ok) continue;
    try {
      decodeBody(frame.body);
      return offset;
    } catch {
      // A CRC match on bytes that do not parse is garbage after all; keep looking.
    }
  }
  return undefined;
}

/**
 * Where the platform has it (not Windows), a write through a descriptor opened with O_DSYNC
 * returns once its bytes (and the file size) are durable, as a write followed by fdatasync does,
 * in one system call and so in one round trip through the thread pool instead of two.
 */
const O_DSYNC: number | undefined = fsConstants.O_DSYNC;

/**
 * Bytes written without a sync that a durable append writes again with its own (see
 * appendDurably): small hard-state records, such as a leader's new commit index between two
 * writes. Past this, the append writes and then syncs instead.
 */
const REWRITE_LIMIT = 64 * 1024;

/** The segment being appended to. Writes are positional; `size` is the durable-or-not length. */
export class SegmentWriter {
  /** What was appended since the last sync, from `unsyncedFrom`, while it stays within REWRITE_LIMIT. */
  private unsynced: Buffer[] = [];
  private unsyncedBytes = 0;
  private unsyncedFrom: number;

  private constructor(
    readonly name: SegmentName,
    private readonly handle: fs.FileHandle,
    private length: number,
    /** The same file opened with O_DSYNC, where the platform has it. */
    private readonly dsyncHandle: fs.FileHandle | null,
  ) {
    this.unsyncedFrom = length;
  }

  private static async openDsync(file: string): Promise<fs.FileHandle | null> {
    return O_DSYNC === undefined ? null : fs.open(file, fsConstants.O_WRONLY | O_DSYNC);
  }

  /** Creates a new segment holding `header`, durably (file and directory entry). */
  static async create(dir: string, seq: number, firstIndex: number, header: Buffer): Promise<SegmentWriter> {
    const file = path.join(dir, segmentFileName(seq, firstIndex));
    const handle = await fs.open(file, 'wx');
    let dsync: fs.FileHandle | null = null;
    try {
      await writeFully(handle, header, 0);
      await handle.datasync();
      await fsyncDir(dir);
      dsync = await SegmentWriter.openDsync(file);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
    return new SegmentWriter({ seq, firstIndex, file }, handle, header.length, dsync);
  }

  /** Reopens the last segment for appending after replay; cuts off a torn tail first. */
  static async reopen(name: SegmentName, validBytes: number, fileBytes: number): Promise<SegmentWriter> {
    const handle = await fs.open(name.file, 'r+');
    let dsync: fs.FileHandle | null = null;
    try {
      if (validBytes < fileBytes) {
        await handle.truncate(validBytes);
      }
      // Replayed bytes may have been written without a sync before a crash or a stop: durable
      // before anything is appended after them (appendDurably counts on every byte before
      // `unsyncedFrom` being so).
      await handle.datasync();
      dsync = await SegmentWriter.openDsync(name.file);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
    return new SegmentWriter(name, handle, validBytes, dsync);
  }

  get size(): number {
    return this.length;
  }

  async append(data: Buffer): Promise<void> {
    await writeFully(this.handle, data, this.length);
    this.length += data.length;
    this.unsyncedBytes += data.length;
    if (this.unsyncedBytes <= REWRITE_LIMIT) this.unsynced.push(data);
  }

  /**
   * Appends `data` and makes it and everything appended before it durable. With O_DSYNC and little
   * written since the last sync, that is one positional write of those bytes again (already in the
   * file, so rewriting them changes nothing) followed by `data`: O_DSYNC makes only the range a
   * write covers durable, so the range must start where the last sync left off.
   */
  async appendDurably(data: Buffer): Promise<void> {
    if (this.dsyncHandle === null || this.unsyncedBytes > REWRITE_LIMIT) {
      await this.append(data);
      await this.sync();
      return;
    }
    await writevFully(this.dsyncHandle, [...this.unsynced, data], this.unsyncedFrom);
    this.length += data.length;
    this.markSynced();
  }

  /** fdatasync: also covers the file size, which is all the metadata a reader needs. */
  async sync(): Promise<void> {
    await this.handle.datasync();
    this.markSynced();
  }

  private markSynced(): void {
    this.unsynced = [];
    this.unsyncedBytes = 0;
    this.unsyncedFrom = this.length;
  }

  async close(): Promise<void> {
    await this.dsyncHandle?.close();
    await this.handle.close();
  }
}
