// The ZIP records of a stored (uncompressed) archive, per PKWARE's APPNOTE 6.3: one function per
// record, and the archive's exact length computed from the same record sizes, so the length sent
// as Content-Length and the bytes written cannot disagree. Entries are streamed: each local header
// carries no CRC (general purpose bit 3), the CRC follows the data in a data descriptor. ZIP64
// fields appear exactly where a size, an offset or the entry count outgrows its 16- or 32-bit field.
// (yazl did this for us, but looked for the next entry to write from the first one every time:
// 100,000 entries took ~50 s of CPU. client-zip 2.5.1 writes no ZIP64 end record past 65,535
// entries, so unzip rejects its 100,000-entry archives; archiver cannot tell the length up front.)

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END = 0x06054b50;

const MAX_16 = 0xffff;
const MAX_32 = 0xffffffff;
/** Bit 3: CRC and sizes follow the data; bit 11: the name is UTF-8. */
const FLAGS = 0x0008 | 0x0800;
const VERSION_NEEDED = 20;
const VERSION_NEEDED_ZIP64 = 45;
/** Made on Unix (3), by a writer of APPNOTE 6.3: the external attributes hold a Unix mode. */
const VERSION_MADE_BY = (3 << 8) | 63;
const REGULAR_FILE_MODE = 0o100644;
/** Info-ZIP's universal timestamp (0x5455) with the modification time only: exact and in UTC. */
const TIMESTAMP_EXTRA_BYTES = 9;
const ZIP64_END_BYTES = 56;
const ZIP64_LOCATOR_BYTES = 20;
const END_BYTES = 22;

/** What the records say about one entry. */
export interface ZipEntry {
  readonly path: Buffer;
  readonly size: number;
  readonly modified: Date;
}

/** Needs 8-byte sizes: in the local header's ZIP64 field and in its data descriptor. */
const isLarge = (size: number): boolean => size >= MAX_32;

export const localHeaderLength = (entry: ZipEntry): number => 30 + entry.path.length + (isLarge(entry.size) ? 20 : 0);
export const dataDescriptorLength = (entry: ZipEntry): number => (isLarge(entry.size) ? 24 : 16);

/** The central record's ZIP64 fields, in APPNOTE's order: both sizes when large, then the offset when far. */
function zip64CentralValues(entry: ZipEntry, offset: number): number[] {
  const values = isLarge(entry.size) ? [entry.size, entry.size] : [];
  if (offset >= MAX_32) values.push(offset);
  return values;
}

export const centralRecordLength = (entry: ZipEntry, offset: number): number => {
  const zip64 = zip64CentralValues(entry, offset).length;
  return 46 + entry.path.length + TIMESTAMP_EXTRA_BYTES + (zip64 > 0 ? 4 + 8 * zip64 : 0);
};

function needsZip64End(count: number, directoryOffset: number, directoryBytes: number): boolean {
  return count >= MAX_16 || directoryOffset >= MAX_32 || directoryBytes >= MAX_32;
}

export const endRecordsLength = (count: number, directoryOffset: number, directoryBytes: number): number =>
  END_BYTES + (needsZip64End(count, directoryOffset, directoryBytes) ? ZIP64_END_BYTES + ZIP64_LOCATOR_BYTES : 0);

/** The whole archive's length in bytes: what the writer below will produce for these entries. */
export function archiveLength(entries: Iterable<ZipEntry>): number {
  let offset = 0;
  let directoryBytes = 0;
  let count = 0;
  for (const entry of entries) {
    directoryBytes += centralRecordLength(entry, offset);
    offset += localHeaderLength(entry) + entry.size + dataDescriptorLength(entry);
    count += 1;
  }
  return offset + directoryBytes + endRecordsLength(count, offset, directoryBytes);
}

/** MS-DOS time and date (local time, 2-second steps, from 1980), as every zip tool shows them. */
function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getFullYear());
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

function timestampExtra(modified: Date): Buffer {
  const extra = Buffer.alloc(TIMESTAMP_EXTRA_BYTES);
  extra.writeUInt16LE(0x5455, 0);
  extra.writeUInt16LE(TIMESTAMP_EXTRA_BYTES - 4, 2);
  extra.writeUInt8(1, 4); // the modification time is present
  extra.writeUInt32LE(Math.max(0, Math.min(MAX_32, Math.floor(modified.getTime() / 1000))), 5);
  return extra;
}

function zip64Extra(values: readonly number[]): Buffer {
  if (values.length === 0) return Buffer.alloc(0);
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, i) => extra.writeBigUInt64LE(BigInt(value), 4 + 8 * i));
  return extra;
}

export function localHeader(entry: ZipEntry): Buffer {
  const large = isLarge(entry.size);
  const extra = zip64Extra(large ? [entry.size, entry.size] : []);
  const header = Buffer.alloc(30);
  const { time, date } = dosDateTime(entry.modified);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(large ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, 4);
  header.writeUInt16LE(FLAGS, 6);
  header.writeUInt16LE(0, 8); // stored
  header.writeUInt16LE(time, 10);
  header.writeUInt16LE(date, 12);
  // CRC 0 (it follows the data); the sizes are known, but a large entry's live in its ZIP64 field.
  header.writeUInt32LE(large ? MAX_32 : entry.size, 18);
  header.writeUInt32LE(large ? MAX_32 : entry.size, 22);
  header.writeUInt16LE(entry.path.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, entry.path, extra]);
}

export function dataDescriptor(entry: ZipEntry, crc: number): Buffer {
  const descriptor = Buffer.alloc(dataDescriptorLength(entry));
  descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
  descriptor.writeUInt32LE(crc, 4);
  if (isLarge(entry.size)) {
    descriptor.writeBigUInt64LE(BigInt(entry.size), 8);
    descriptor.writeBigUInt64LE(BigInt(entry.size), 16);
  } else {
    descriptor.writeUInt32LE(entry.size, 8);
    descriptor.writeUInt32LE(entry.size, 12);
  }
  return descriptor;
}

export function centralRecord(entry: ZipEntry, crc: number, offset: number): Buffer {
  const zip64Values = zip64CentralValues(entry, offset);
  const extra = Buffer.concat([timestampExtra(entry.modified), zip64Extra(zip64Values)]);
  const large = isLarge(entry.size);
  const record = Buffer.alloc(46);
  const { time, date } = dosDateTime(entry.modified);
  record.writeUInt32LE(CENTRAL_HEADER, 0);
  record.writeUInt16LE(VERSION_MADE_BY, 4);
  record.writeUInt16LE(zip64Values.length > 0 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, 6);
  record.writeUInt16LE(FLAGS, 8);
  record.writeUInt16LE(0, 10);
  record.writeUInt16LE(time, 12);
  record.writeUInt16LE(date, 14);
  record.writeUInt32LE(crc, 16);
  record.writeUInt32LE(large ? MAX_32 : entry.size, 20);
  record.writeUInt32LE(large ? MAX_32 : entry.size, 24);
  record.writeUInt16LE(entry.path.length, 28);
  record.writeUInt16LE(extra.length, 30);
  // Comment length, disk number start and internal attributes stay 0.
  record.writeUInt32LE((REGULAR_FILE_MODE << 16) >>> 0, 38);
  record.writeUInt32LE(Math.min(offset, MAX_32), 42);
  return Buffer.concat([record, entry.path, extra]);
}

/** The ZIP64 end record and its locator when needed, then the end of central directory record. */
export function endRecords(count: number, directoryOffset: number, directoryBytes: number): Buffer {
  const end = Buffer.alloc(END_BYTES);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(Math.min(count, MAX_16), 8);
  end.writeUInt16LE(Math.min(count, MAX_16), 10);
  end.writeUInt32LE(Math.min(directoryBytes, MAX_32), 12);
  end.writeUInt32LE(Math.min(directoryOffset, MAX_32), 16);
  if (!needsZip64End(count, directoryOffset, directoryBytes)) return end;
  const zip64End = Buffer.alloc(ZIP64_END_BYTES);
  zip64End.writeUInt32LE(ZIP64_END, 0);
  zip64End.writeBigUInt64LE(BigInt(ZIP64_END_BYTES - 12), 4);
  zip64End.writeUInt16LE(VERSION_MADE_BY, 12);
  zip64End.writeUInt16LE(VERSION_NEEDED_ZIP64, 14);
  // This disk and the directory's disk stay 0.
  zip64End.writeBigUInt64LE(BigInt(count), 24);
  zip64End.writeBigUInt64LE(BigInt(count), 32);
  zip64End.writeBigUInt64LE(BigInt(directoryBytes), 40);
  zip64End.writeBigUInt64LE(BigInt(directoryOffset), 48);
  const locator = Buffer.alloc(ZIP64_LOCATOR_BYTES);
  locator.writeUInt32LE(ZIP64_LOCATOR, 0);
  locator.writeBigUInt64LE(BigInt(directoryOffset + directoryBytes), 8);
  locator.writeUInt32LE(1, 16); // one disk in all
  return Buffer.concat([zip64End, locator, end]);
}
