// Atomic file replacement: readers (and a restart after a crash) see either the old content or
// the new content, never a mix. Write to a temp file, fsync it, rename over the target, fsync the
// directory so the rename itself survives a power loss.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir, writeFully, writevFully } from './durable-fs';
import { MetadataFileError } from './errors';
import { claimTempPath, isNotFound, releaseTempPath } from './temp-files';

/**
 * A file being written under a temp name. Nothing is visible under a final name until
 * `commit` resolves; `abort` removes the temp file. Exactly one of them must be called.
 */
export class AtomicWriter {
  private position = 0;
  private finished = false;

  private constructor(
    readonly tempPath: string,
    private readonly handle: fs.FileHandle,
  ) {}

  /** Starts a write whose temp file lives next to `nearPath` (its directory must exist). */
  static async open(nearPath: string): Promise<AtomicWriter> {
    const tempPath = claimTempPath(nearPath);
    try {
      return new AtomicWriter(tempPath, await fs.open(tempPath, 'wx'));
    } catch (err) {
      releaseTempPath(tempPath);
      throw err;
    }
  }

  get bytesWritten(): number {
    return this.position;
  }

  async write(data: Uint8Array): Promise<void> {
    await writeFully(this.handle, data, this.position);
    this.position += data.length;
  }

  /** Appends `pieces` in one vectored write (more if the system writes less at once). */
  async writeAll(pieces: readonly Uint8Array[]): Promise<void> {
    const at = this.position;
    // Claimed before the write starts, so a second call places its pieces after these.
    this.position += pieces.reduce((sum, piece) => sum + piece.length, 0);
    await writevFully(this.handle, pieces, at);
  }

  /**
   * Makes the content durable under `finalPath` (same file system as the temp file), replacing
   * any file there. When it resolves the new content survives a crash.
   */
  async commit(finalPath: string): Promise<void> {
    this.assertOpen();
    this.finished = true;
    try {
      await this.handle.sync();
      await this.handle.close();
      await fs.rename(this.tempPath, finalPath);
    } catch (err) {
      await this.handle.close().catch(() => undefined);
      await fs.rm(this.tempPath, { force: true });
      throw err;
    } finally {
      releaseTempPath(this.tempPath);
    }
    // Only the directory that gains the name is synced. When the temp file lives elsewhere (the
    // chunk store's root), a crash can at worst leave its old name behind too, and temp names are
    // removed by cleanup when the store opens; the content under the final name is durable either way.
    await fsyncDir(path.dirname(finalPath));
  }

  /** Discards the write. Safe to call after a failed `write`. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.handle.close().catch(() => undefined);
    await fs.rm(this.tempPath, { force: true });
    releaseTempPath(this.tempPath);
  }

  private assertOpen(): void {
    if (this.finished) throw new Error(`atomic write of ${this.tempPath} already committed or aborted`);
  }
}

/** Replaces `file` with `data` atomically and durably. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const writer = await AtomicWriter.open(file);
  try {
    await writer.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.commit(file);
}

/** Replaces `file` with `value` as pretty JSON (small metadata files people may read). */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads a JSON file written by `writeJsonAtomic`; `undefined` when it does not exist. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new MetadataFileError(file, `not valid JSON (${(err as Error).message})`);
  }
}
