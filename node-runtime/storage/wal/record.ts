// The WAL's record format. A frame is
//
//   u32 LE  CRC-32 of the length field and the body (contiguous, so one CRC call per frame)
//   u32 LE  body length (>= 1)
//   body:   u8 record type, then the type's payload
//
// Integers in payloads are u64 LE (exact up to 2^53, checked on decode). Entry data is stored as
// raw bytes after a fixed header, so an entry costs 8 + 1 + 17 bytes plus its data.
import { crc32 } from 'node:zlib';
import type { ConfState, Entry, EntryKind, HardState, SnapshotMetadata } from '../../raft/types';
import { asConfState } from '../conf-state';

export const FRAME_HEADER_BYTES = 8;
/** Upper bound of one record's body. Larger length fields can only be damage. */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;
/** Bumped when the layout of any record changes; written in every segment header. */
export const WAL_FORMAT_VERSION = 1;

export type WalRecord =
  /** First record of every segment: where it sits in the log, so a missing segment is detected. */
  | { readonly type: 'segmentHeader'; readonly version: number; readonly seq: number; readonly firstIndex: number; readonly prevTerm: number }
  | { readonly type: 'entry'; readonly entry: Entry }
  | { readonly type: 'hardState'; readonly hardState: HardState }
  /**
   * A snapshot at this point was made durable; the entries it covers are no longer needed. The
   * writer records whether the log after it was kept (it held the snapshot's index and term) or
   * discarded (an installed snapshot that conflicts with or lies beyond the log): replay may
   * lack the older segments needed to decide that again.
   */
  | { readonly type: 'snapshot'; readonly metadata: SnapshotMetadata; readonly discardsLog: boolean }
  /** Entries with index >= fromIndex are discarded (a follower's conflicting suffix). */
  | { readonly type: 'truncate'; readonly fromIndex: number };

export type WalRecordType = WalRecord['type'];

const TYPE_CODES: Readonly<Record<WalRecordType, number>> = {
  segmentHeader: 1,
  entry: 2,
  hardState: 3,
  snapshot: 4,
  truncate: 5,
};
const MIN_TYPE_CODE = Math.min(...Object.values(TYPE_CODES));
const MAX_TYPE_CODE = Math.max(...Object.values(TYPE_CODES));
const TYPES_BY_CODE = new Map<number, WalRecordType>(Object.entries(TYPE_CODES).map(([t, c]) => [c, t as WalRecordType]));

const KIND_CODES: Readonly<Record<EntryKind, number>> = { normal: 0, confChange: 1 };
const KINDS_BY_CODE: readonly EntryKind[] = ['normal', 'confChange'];

/** Thrown by `decodeBody` for a body that passed its CRC but does not parse (a format bug). */
export class RecordFormatError extends Error {
  override readonly name = 'RecordFormatError';
}

/** An entry's frame: header, type byte, index, term and kind (1 + 8 + 8 + 1), then its data. */
export function entryFrameBytes(entry: Entry): number {
  return FRAME_HEADER_BYTES + 18 + entry.data.length;
}

export function encodeFrame(record: WalRecord): Buffer {
  const body = encodeBody(record);
  // Replay treats longer length fields as damage, so such a record must never be written.
  if (body.length > MAX_BODY_BYTES) throw new RangeError(`${record.type} record of ${body.length} bytes exceeds the WAL's ${MAX_BODY_BYTES}-byte limit`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32LE(body.length, 4);
  body.copy(frame, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(crc32(frame.subarray(4)), 0);
  return frame;
}

export type FrameRead =
  | { readonly ok: true; readonly body: Buffer; readonly next: number }
  | { readonly ok: false; readonly reason: string };

/** Reads the frame at `offset` of `buf`, checking bounds and CRC. Never throws. */
export function readFrame(buf: Buffer, offset: number): FrameRead {
  const available = buf.length - offset;
  if (available < FRAME_HEADER_BYTES) return { ok: false, reason: `partial frame header (${available} bytes)` };
  const length = buf.readUInt32LE(offset + 4);
  if (length === 0 || length > MAX_BODY_BYTES) return { ok: false, reason: `implausible record length ${length}` };
  if (length > available - FRAME_HEADER_BYTES) {
    return { ok: false, reason: `record of ${length} bytes runs past the end of the file (${available - FRAME_HEADER_BYTES} left)` };
  }
  const next = offset + FRAME_HEADER_BYTES + length;
  if (buf.readUInt32LE(offset) !== crc32(buf.subarray(offset + 4, next))) return { ok: false, reason: 'CRC mismatch' };
  return { ok: true, body: buf.subarray(offset + FRAME_HEADER_BYTES, next), next };
}

/**
 * A cheap necessary condition for an intact frame at `offset`: plausible length, known type,
 * and the fixed fields of that type in range. Every intact frame passes; random bytes almost
 * never do, which lets a forward scan over a damaged tail skip the CRC for nearly every offset.
 */
export function mayHoldFrame(buf: Buffer, offset: number): boolean {
  const bodyStart = offset + FRAME_HEADER_BYTES;
  // Type byte first: one array read rules out ~98% of offsets in random bytes.
  const code = buf[bodyStart];
  if (code === undefined || code < MIN_TYPE_CODE || code > MAX_TYPE_CODE) return false;
  const length = buf.readUInt32LE(offset + 4);
  if (length === 0 || length > buf.length - bodyStart) return false;
  const type = TYPES_BY_CODE.get(code);
  const u64Fits = (at: number): boolean => buf.readUInt32LE(bodyStart + at + 4) < 2 ** 21;
  switch (type) {
    case 'segmentHeader':
      return length === 26 && u64Fits(2) && u64Fits(10) && u64Fits(18);
    case 'hardState':
      return length === 25 && u64Fits(1) && u64Fits(9) && u64Fits(17);
    case 'truncate':
      return length === 9 && u64Fits(1);
    case 'entry':
      return length >= 18 && u64Fits(1) && u64Fits(9) && buf.readUInt8(bodyStart + 17) < KINDS_BY_CODE.length;
    case 'snapshot':
      return length >= 19 && u64Fits(1) && u64Fits(9) && buf.readUInt8(bodyStart + 17) <= 1 && buf.readUInt8(bodyStart + 18) === 0x7b; // '{'
    case undefined:
      return false;
  }
}

function encodeBody(record: WalRecord): Buffer {
  switch (record.type) {
    case 'segmentHeader': {
      const b = body(record.type, 1 + 24);
      b.writeUInt8(record.version, 1);
      writeU64(b, 2, record.seq);
      writeU64(b, 10, record.firstIndex);
      writeU64(b, 18, record.prevTerm);
      return b;
    }
    case 'entry': {
      const { entry } = record;
      const b = body(record.type, 17 + entry.data.length);
      writeU64(b, 1, entry.index);
      writeU64(b, 9, entry.term);
      b.writeUInt8(KIND_CODES[entry.kind], 17);
      b.set(entry.data, 18);
      return b;
    }
    case 'hardState': {
      const b = body(record.type, 24);
      writeU64(b, 1, record.hardState.term);
      writeU64(b, 9, record.hardState.vote);
      writeU64(b, 17, record.hardState.commit);
      return b;
    }
    case 'snapshot': {
      const conf = Buffer.from(JSON.stringify(record.metadata.confState), 'utf8');
      const b = body(record.type, 17 + conf.length);
      writeU64(b, 1, record.metadata.index);
      writeU64(b, 9, record.metadata.term);
      b.writeUInt8(record.discardsLog ? 1 : 0, 17);
      conf.copy(b, 18);
      return b;
    }
    case 'truncate': {
      const b = body(record.type, 8);
      writeU64(b, 1, record.fromIndex);
      return b;
    }
  }
}

/** Parses a body that passed its CRC. Entry data is copied out, so `buf` may be released. */
export function decodeBody(b: Buffer): WalRecord {
  const type = TYPES_BY_CODE.get(b.readUInt8(0));
  switch (type) {
    case 'segmentHeader':
      expectLength(b, 1 + 1 + 24, type);
      return { type, version: b.readUInt8(1), seq: readU64(b, 2), firstIndex: readU64(b, 10), prevTerm: readU64(b, 18) };
    case 'entry': {
      if (b.length < 18) throw new RecordFormatError(`entry record of ${b.length} bytes is shorter than its header`);
      const kind = KINDS_BY_CODE[b.readUInt8(17)];
      if (kind === undefined) throw new RecordFormatError(`unknown entry kind ${b.readUInt8(17)}`);
      const entry: Entry = { index: readU64(b, 1), term: readU64(b, 9), kind, data: copyOut(b, 18) };
      return { type, entry };
    }
    case 'hardState':
      expectLength(b, 1 + 24, type);
      return { type, hardState: { term: readU64(b, 1), vote: readU64(b, 9), commit: readU64(b, 17) } };
    case 'snapshot': {
      if (b.length < 18) throw new RecordFormatError(`snapshot record of ${b.length} bytes is shorter than its header`);
      const mode = b.readUInt8(17);
      if (mode > 1) throw new RecordFormatError(`unknown snapshot mode ${mode}`);
      const confState = parseConfState(b.subarray(18));
      return { type, metadata: { index: readU64(b, 1), term: readU64(b, 9), confState }, discardsLog: mode === 1 };
    }
    case 'truncate':
      expectLength(b, 1 + 8, type);
      return { type, fromIndex: readU64(b, 1) };
    case undefined:
      throw new RecordFormatError(`unknown record type ${b.readUInt8(0)}`);
  }
}

/** A plain Uint8Array copy of `b` from `start`, so entries do not pin the segment buffer. */
function copyOut(b: Buffer, start: number): Uint8Array {
  return new Uint8Array(b.subarray(start));
}

function body(type: WalRecordType, payloadBytes: number): Buffer {
  const b = Buffer.allocUnsafe(1 + payloadBytes);
  b.writeUInt8(TYPE_CODES[type], 0);
  return b;
}

function expectLength(b: Buffer, bytes: number, type: WalRecordType): void {
  if (b.length !== bytes) throw new RecordFormatError(`${type} record has ${b.length} bytes, expected ${bytes}`);
}

const TWO_32 = 2 ** 32;

function writeU64(b: Buffer, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot store ${value} as a u64 log field`);
  b.writeUInt32LE(value % TWO_32, offset);
  b.writeUInt32LE(Math.floor(value / TWO_32), offset + 4);
}

function readU64(b: Buffer, offset: number): number {
  const value = b.readUInt32LE(offset + 4) * TWO_32 + b.readUInt32LE(offset);
  if (!Number.isSafeInteger(value)) throw new RecordFormatError(`u64 at offset ${offset} exceeds 2^53`);
  return value;
}

function parseConfState(bytes: Buffer): ConfState {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RecordFormatError('snapshot record holds an unparsable conf state');
  }
  return asConfState(value) ?? fail('snapshot record holds a malformed conf state');
}

function fail(reason: string): never {
  throw new RecordFormatError(reason);
}
