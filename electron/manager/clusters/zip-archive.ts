// A zip of cluster files, streamed: each file is fetched only when its turn comes, stored (not
// deflated) so the archive's exact size is known up front and can be sent as Content-Length, and
// checked against the size and SHA-256 it was listed with before its entry is closed. Anything
// that goes wrong cuts the stream off mid-way: with Content-Length declared and the central
// directory missing, neither a browser nor an unzip tool can take it for a whole archive.
// zip-records.ts writes ZIP64 records where sizes, offsets or the entry count need them.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { ArchiveEntry, ArchivePlan } from './archive-plan';
import {
  archiveLength,
  centralRecord,
  dataDescriptor,
  dataDescriptorLength,
  endRecords,
  localHeader,
  localHeaderLength,
  type ZipEntry,
} from './zip-records';

/** Opens one file's bytes; `signal` aborts the read when the archive is given up. */
export type OpenEntry = (entry: ArchiveEntry, signal: AbortSignal) => Promise<Readable>;

/** Why an archive stopped before its end: shown to the user as it is. */
export class ArchiveCutOff extends Error {}

export interface ZipStream {
  readonly output: Readable;
  /** The archive's exact length in bytes. */
  readonly size: number;
  /** Why the archive was cut off, once it was (null while it goes well, or when only its reader went away). */
  failure(): Error | null;
  /** Stops the archive: the current file read is dropped and `output` fails with `reason`. */
  abort(reason: Error): void;
}

/** Central records sent per piece: 100,000 of them one by one would be 100,000 pushes. */
const RECORDS_PER_PIECE = 512;

function zipEntryOf(entry: ArchiveEntry): ZipEntry {
  return { path: Buffer.from(entry.path, 'utf8'), size: entry.size, modified: new Date(entry.modifiedAt) };
}

/**
 * One file's bytes, passed on as they come with their CRC-32 added up. Fails as soon as they are
 * more than listed, and at their end when they are fewer or hash otherwise: before the entry is
 * closed, so the archive cannot come out whole.
 */
async function* checkedBytes(entry: ArchiveEntry, body: Readable, crc: { value: number }): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let bytes = 0;
  // Not destroyOnReturn: that would fail the body with an AbortError; the caller closes it quietly.
  for await (const piece of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    bytes += piece.length;
    if (bytes > entry.size) break;
    hash.update(piece);
    crc.value = crc32(piece, crc.value);
    yield piece;
  }
  if (bytes !== entry.size || hash.digest('hex') !== entry.sha256) {
    const arrived = bytes > entry.size ? `more than ${entry.size} bytes` : `${bytes} bytes with another SHA-256 than listed`;
    throw new ArchiveCutOff(`"${entry.name}" changed while the zip was being sent (it arrived as ${arrived})`);
  }
}

/** Every file's local header, bytes and data descriptor, then the central directory and the end records. */
async function* archiveBytes(plan: ArchivePlan, open: OpenEntry, signal: AbortSignal): AsyncGenerator<Buffer> {
  const crcs = new Uint32Array(plan.entries.length);
  const offsets = new Float64Array(plan.entries.length);
  let offset = 0;
  for (const [i, entry] of plan.entries.entries()) {
    const zipEntry = zipEntryOf(entry);
    offsets[i] = offset;
    // The header goes out before the file is asked for (as yazl did): a file that cannot be opened
    // cuts the archive off after its header rather than before the response's first byte.
    yield localHeader(zipEntry);
    const body = await open(entry, signal);
    const drop = (): void => {
      body.destroy();
    };
    signal.addEventListener('abort', drop, { once: true });
    try {
      signal.throwIfAborted();
      const crc = { value: 0 };
      yield* checkedBytes(entry, body, crc);
      crcs[i] = crc.value;
      yield dataDescriptor(zipEntry, crc.value);
      offset += localHeaderLength(zipEntry) + entry.size + dataDescriptorLength(zipEntry);
    } finally {
      signal.removeEventListener('abort', drop);
      body.destroy();
    }
  }
  let directoryBytes = 0;
  for (let first = 0; first < plan.entries.length; first += RECORDS_PER_PIECE) {
    const records = plan.entries.slice(first, first + RECORDS_PER_PIECE).map((entry, j) => centralRecord(zipEntryOf(entry), crcs[first + j] as number, offsets[first + j] as number));
    const piece = Buffer.concat(records);
    directoryBytes += piece.length;
    yield piece;
  }
  yield endRecords(plan.entries.length, offset, directoryBytes);
}

export function zipArchive(plan: ArchivePlan, open: OpenEntry): ZipStream {
  // One entry's records at a time: 100,000 of them need not be held at once to be measured.
  const size = archiveLength((function* entries() {
    for (const entry of plan.entries) yield zipEntryOf(entry);
  })());
  const reading = new AbortController();
  let failure: Error | null = null;
  const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
  async function* guarded(): AsyncGenerator<Buffer> {
    try {
      yield* archiveBytes(plan, open, reading.signal);
    } catch (err) {
      // A read cut short because the reader went away (the output is destroyed already) is no
      // failure of the archive.
      if (!output.destroyed && !reading.signal.aborted) failure ??= toError(err);
      throw err;
    }
  }
  const output: Readable = Readable.from(guarded(), { objectMode: false });
  const abort = (reason: Error): void => {
    if (failure !== null || output.destroyed) return;
    failure = reason;
    reading.abort(reason);
    output.destroy(reason);
  };
  // The reader went away: stop fetching the file being read.
  output.once('close', () => reading.abort(new Error('the archive was closed')));
  return { output, size, failure: () => failure, abort };
}
