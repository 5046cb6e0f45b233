// A zip of cluster files, streamed: each file is fetched only when its turn comes, stored (not
// deflated) so the archive's exact size is known up front and can be sent as Content-Length, and
// checked against the size and SHA-256 it was listed with before its entry is closed. Anything
// that goes wrong cuts the stream off mid-way: with Content-Length declared and the central
// directory missing, neither a browser nor an unzip tool can take it for a whole archive.
// yazl writes ZIP64 records by itself where sizes or counts need them.
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { ArchiveEntry, ArchivePlan } from './archive-plan';

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

/** Passes one file's bytes on and fails, before its end, when they are not the bytes listed. */
function verifying(entry: ArchiveEntry): Transform {
  const hash = createHash('sha256');
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      const digest = hash.digest('hex');
      if (bytes === entry.size && digest === entry.sha256) done();
      else done(new ArchiveCutOff(`"${entry.name}" changed while the zip was being sent (it arrived as ${bytes} bytes with another SHA-256 than listed)`));
    },
  });
}

/** A central directory record's fixed part, plus the 9-byte Info-ZIP timestamp yazl adds to each. */
const CENTRAL_RECORD_BYTES = 46 + 9;

/**
 * yazl 3.3.1 counts the ZIP64 end records into its size forecast once the central directory
 * reaches 64 KiB (about 700 entries), but writes them only from 4 GiB or 65,535 entries on: the
 * archive would come out 76 bytes short of the Content-Length sent. Asking for the records
 * whenever the forecast counts them makes the two agree (most unzip tools read them; test/unit/
 * manager/zip-archive.test.ts holds yazl to it).
 */
function predictsZip64End(plan: ArchivePlan): boolean {
  let directory = 0;
  for (const entry of plan.entries) directory += CENTRAL_RECORD_BYTES + Buffer.byteLength(entry.path);
  return directory >= 0xffff;
}

export function zipArchive(plan: ArchivePlan, open: OpenEntry): ZipStream {
  const zip = new ZipFile();
  const output = zip.outputStream as Readable;
  const reading = new AbortController();
  let failure: Error | null = null;
  const abort = (reason: Error): void => {
    if (failure !== null || output.destroyed) return;
    failure = reason;
    reading.abort(reason);
    output.destroy(reason);
  };
  zip.on('error', (err: Error) => abort(err));
  for (const entry of plan.entries) {
    const options = { size: entry.size, mtime: new Date(entry.modifiedAt), mode: 0o100644, compress: false };
    zip.addReadStreamLazy(entry.path, options, (take) => {
      open(entry, reading.signal).then(
        (body) => {
          const drop = (): void => {
            body.destroy();
          };
          if (reading.signal.aborted) drop();
          reading.signal.addEventListener('abort', drop, { once: true });
          body.once('close', () => reading.signal.removeEventListener('abort', drop));
          const checked = verifying(entry);
          take(null, checked);
          pipeline(body, checked).catch((err: unknown) => abort(err instanceof Error ? err : new Error(String(err))));
        },
        (err: unknown) => abort(err instanceof Error ? err : new Error(String(err))),
      );
    });
  }
  let size = -1;
  // Called during end(): every entry is stored with its size given, so the length is known now.
  (zip.end as (options: { forceZip64Format: boolean }, sized: (total: number) => void) => void)({ forceZip64Format: predictsZip64End(plan) }, (total) => {
    size = total;
  });
  if (size < 0) throw new Error('the zip library could not tell the archive size in advance');
  // The reader went away: stop fetching the file being read.
  output.once('close', () => reading.abort(new Error('the archive was closed')));
  return { output, size, failure: () => failure, abort };
}
