// The layout of a content pack file (content-pack.ts), a format since packs outlive restarts:
//
//   "DFSPACK1"                                 8 bytes, once
//   then records, back to back:
//     "DFSr"                                   4 bytes, where a record starts (found again after damage)
//     u32 LE CRC-32 of the next 36 bytes       the header's own check
//     u32 LE content length
//     SHA-256 of the content                   32 bytes
//     the content
//
// The content has no checksum of its own: its SHA-256 is one, checked by every read, by the
// scrubber and before a snapshot is sent; hashing 200 MiB at every start would cost a restart
// more than a second. A record is only ever appended, never changed in place.
import { fstatSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';

export const PACK_HEADER = Buffer.from('DFSPACK1', 'latin1');
const RECORD_MAGIC = Buffer.from('DFSr', 'latin1');
const RECORD_MAGIC_U32 = RECORD_MAGIC.readUInt32LE(0);
export const RECORD_HEADER_BYTES = 4 + 4 + 4 + 32;
/** Read at a time while scanning: most records are a few KiB, so a block holds hundreds. */
const BLOCK_BYTES = 4 * 1024 * 1024;

export function recordHeader(sha256: string, length: number): Buffer {
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  RECORD_MAGIC.copy(header, 0);
  header.writeUInt32LE(length, 8);
  if (header.write(sha256, 12, 32, 'hex') !== 32) throw new Error(`not a SHA-256: ${sha256}`);
  header.writeUInt32LE(crc32(header.subarray(8)), 4);
  return header;
}

export function isPackHeader(fd: number): boolean {
  const head = Buffer.alloc(PACK_HEADER.length);
  return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(PACK_HEADER);
}

/** Sequential reads in large blocks: a scan touches every record's header, most of them within the block at hand. */
class BlockReader {
  private block = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** Up to `length` bytes at `pos` (fewer at the end of the file). */
  bytes(pos: number, length: number): Buffer {
    const { block, at } = this.window(pos, length);
    return block.subarray(at, at + length);
  }

  /** The block holding up to `length` bytes at `pos` (fewer at the end of the file), from `at` in it. */
  window(pos: number, length: number): { block: Buffer; at: number } {
    if (pos < this.start || pos + length > this.start + this.block.length) this.load(pos, length);
    return { block: this.block, at: pos - this.start };
  }

  private load(pos: number, length: number): void {
    const want = Math.min(Math.max(BLOCK_BYTES, length), this.size - pos);
    const block = this.block.length >= want ? this.block : Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = readSync(this.fd, block, got, want - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    this.block = block.subarray(0, got);
    this.start = pos;
  }
}

/** Bytes of a pack file that are no record: cut off at the end (torn), or skipped (corrupt). */
export interface PackDamage {
  readonly file: string;
  readonly kind: 'torn' | 'corrupt';
  readonly at: number;
  readonly bytes: number;
}

export interface PackScan {
  /** Intact records in file order; `offset` is where the content starts. */
  readonly records: { sha256: string; offset: number; length: number }[];
  /** Where the intact part ends: the file's size, or where a torn tail starts. */
  readonly end: number;
  /** Set when the end of the file is no record (an interrupted write): to be cut off at `end`. */
  readonly torn?: PackDamage;
  readonly damage: readonly PackDamage[];
}

/**
 * Reads the records of a pack file whose header was checked. A bad record (header damaged, or a
 * length past the end) with an intact one after it is skipped to that one; with none after it, it
 * is a torn tail. Contents are not hashed here (see the top of the file).
 */
export function scanPack(fd: number, name: string): PackScan {
  const size = fstatSync(fd).size;
  const reader = new BlockReader(fd, size);
  const records: PackScan['records'] = [];
  const damage: PackDamage[] = [];
  let pos = PACK_HEADER.length;
  while (pos < size) {
    const record = recordAt(reader, pos);
    if (record !== null) {
      records.push({ sha256: record.sha256, offset: pos + RECORD_HEADER_BYTES, length: record.length });
      pos += RECORD_HEADER_BYTES + record.length;
      continue;
    }
    const next = nextRecord(reader, pos + 1);
    if (next === null) {
      const torn: PackDamage = { file: name, kind: 'torn', at: pos, bytes: size - pos };
      return { records, end: pos, torn, damage: [...damage, torn] };
    }
    damage.push({ file: name, kind: 'corrupt', at: pos, bytes: next - pos });
    pos = next;
  }
  return { records, end: size, damage };
}

/** The record whose header starts at `pos`, if its header is intact and its content within the file. */
function recordAt(reader: BlockReader, pos: number): { sha256: string; length: number } | null {
  const { block, at } = reader.window(pos, RECORD_HEADER_BYTES);
  // Read in place in the block (no view per field): a restart scans every record's header.
  if (block.length - at < RECORD_HEADER_BYTES || block.readUInt32LE(at) !== RECORD_MAGIC_U32) return null;
  if (block.readUInt32LE(at + 4) !== headerCrc(block, at + 8)) return null;
  const length = block.readUInt32LE(at + 8);
  if (pos + RECORD_HEADER_BYTES + length > reader.size) return null;
  return { sha256: block.toString('hex', at + 12, at + RECORD_HEADER_BYTES), length };
}

/** zlib's CRC-32 table (IEEE polynomial, reflected). */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/**
 * CRC-32 (zlib's: IEEE, reflected) of the 36 header bytes from `from`, computed in place: zlib's
 * crc32 takes a buffer of its own, and a view plus a native call per record cost a restart more
 * than the arithmetic (100,000 records). recordHeader writes zlib's; they are the same function.
 */
function headerCrc(block: Buffer, from: number): number {
  let crc = 0xffffffff;
  for (let i = from; i < from + RECORD_HEADER_BYTES - 8; i += 1) crc = (CRC_TABLE[(crc ^ (block[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The first intact record at or after `from`, found by its marker. */
function nextRecord(reader: BlockReader, from: number): number | null {
  let pos = from;
  while (pos + RECORD_HEADER_BYTES <= reader.size) {
    const block = reader.bytes(pos, Math.min(BLOCK_BYTES, reader.size - pos));
    const found = block.indexOf(RECORD_MAGIC);
    if (found < 0) {
      // A marker may straddle the block's end: look again from its last bytes.
      pos += Math.max(1, block.length - (RECORD_MAGIC.length - 1));
      continue;
    }
    if (recordAt(reader, pos + found) !== null) return pos + found;
    pos += found + 1;
  }
  return null;
}
