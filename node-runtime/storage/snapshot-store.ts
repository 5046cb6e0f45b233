// Snapshots of the state machine, one file each, written atomically. The newest `retain` are
// kept; on start the newest one that verifies is used, so a damaged latest snapshot falls back to
// the one before it (the WAL still holds the entries since, until compaction passes them).
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Snapshot, SnapshotMetadata } from '../raft/types';
import { AtomicWriter } from './atomic-file';
import { fsyncDir, mkdirDurable } from './durable-fs';
import { SnapshotCorruptionError, SnapshotNotFoundError } from './errors';
import { encodePreamble, encodeTrailer, readSnapshotData, readSnapshotInfo } from './snapshot-file';
import type { SnapshotFileInfo } from './snapshot-file';
import { isNotFound, removeTempFiles } from './temp-files';

export type StoredSnapshot = SnapshotFileInfo;

export interface SnapshotStoreOptions {
  /** How many snapshots to keep (newest first). Default 2, at least 1. */
  readonly retain?: number;
}

const SNAPSHOT_NAME = /^snap-([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

function snapshotFileName(index: number, term: number): string {
  return `snap-${index.toString(16).padStart(16, '0')}-${term.toString(16).padStart(16, '0')}.snap`;
}

export class SnapshotStore {
  private constructor(
    readonly dir: string,
    private readonly retain: number,
  ) {}

  /** Opens (creating) the store and removes temp files of writes interrupted by a crash. */
  static async open(dir: string, options: SnapshotStoreOptions = {}): Promise<SnapshotStore> {
    await mkdirDurable(dir);
    const store = new SnapshotStore(dir, Math.max(1, options.retain ?? 2));
    await store.cleanupTemp();
    return store;
  }

  /** Stores a snapshot held in memory. */
  async save(snapshot: Snapshot): Promise<StoredSnapshot> {
    return this.saveStream(snapshot.metadata, [snapshot.data]);
  }

  /**
   * Stores a snapshot whose data arrives as a stream (e.g. from a peer), with constant memory.
   * Durable when it resolves; if the stream fails nothing is left behind. Older snapshots beyond
   * `retain` are then deleted.
   */
  async saveStream(metadata: SnapshotMetadata, data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StoredSnapshot> {
    const file = path.join(this.dir, snapshotFileName(metadata.index, metadata.term));
    const writer = await AtomicWriter.open(file);
    const hash = createHash('sha256');
    let dataBytes = 0;
    try {
      const preamble = encodePreamble(metadata);
      hash.update(preamble);
      await writer.write(preamble);
      for await (const piece of data) {
        hash.update(piece);
        dataBytes += piece.length;
        await writer.write(piece);
      }
      await writer.write(encodeTrailer(hash, dataBytes));
    } catch (err) {
      await writer.abort();
      throw err;
    }
    await writer.commit(file);
    await this.prune();
    return { file, metadata, dataBytes };
  }

  /** Stored snapshots, newest first, by file name only (not verified). */
  async list(): Promise<{ readonly file: string; readonly index: number; readonly term: number }[]> {
    const found = [];
    for (const name of await fs.readdir(this.dir)) {
      const m = SNAPSHOT_NAME.exec(name);
      if (m?.[1] === undefined || m[2] === undefined) continue;
      found.push({ file: path.join(this.dir, name), index: parseInt(m[1], 16), term: parseInt(m[2], 16) });
    }
    return found.sort((a, b) => b.index - a.index || b.term - a.term);
  }

  /**
   * The newest snapshot whose checksum verifies. Damaged ones are skipped and reported through
   * `onCorrupt` (they stay on disk for inspection until retention removes them).
   */
  async newest(onCorrupt?: (err: SnapshotCorruptionError) => void): Promise<StoredSnapshot | undefined> {
    for (const { file } of await this.list()) {
      try {
        return await this.verify(file);
      } catch (err) {
        if (!(err instanceof SnapshotCorruptionError)) throw err;
        onCorrupt?.(err);
      }
    }
    return undefined;
  }

  /** Reads a whole snapshot file and checks its checksum; throws SnapshotCorruptionError. */
  async verify(file: string): Promise<StoredSnapshot> {
    const info = await readSnapshotInfo(file);
    for await (const piece of readSnapshotData(file)) void piece;
    return { file, metadata: info.metadata, dataBytes: info.dataBytes };
  }

  /** The stored snapshot at (index, term), metadata checked; throws SnapshotNotFoundError. */
  async find(index: number, term: number): Promise<StoredSnapshot> {
    const file = path.join(this.dir, snapshotFileName(index, term));
    try {
      const { dataStart: _, ...info } = await readSnapshotInfo(file);
      return info;
    } catch (err) {
      if (isNotFound(err)) throw new SnapshotNotFoundError(index, term);
      throw err;
    }
  }

  /**
   * Streams a snapshot's data (to a peer, or into the state machine). The checksum is checked as
   * the stream ends: a damaged file makes the stream error instead of ending cleanly.
   */
  openDataStream(snapshot: StoredSnapshot): Readable {
    return Readable.from(readSnapshotData(snapshot.file), { objectMode: false });
  }

  /** Loads a snapshot fully into memory (small state machines, tests). */
  async load(snapshot: StoredSnapshot): Promise<Snapshot> {
    const pieces: Buffer[] = [];
    for await (const piece of readSnapshotData(snapshot.file)) pieces.push(piece);
    return { metadata: snapshot.metadata, data: new Uint8Array(Buffer.concat(pieces, snapshot.dataBytes)) };
  }

  /** The newest valid snapshot, loaded into memory; undefined when none is stored. */
  async loadNewest(onCorrupt?: (err: SnapshotCorruptionError) => void): Promise<Snapshot | undefined> {
    const newest = await this.newest(onCorrupt);
    return newest === undefined ? undefined : this.load(newest);
  }

  /** Removes temp files of snapshot writes interrupted by a crash. */
  cleanupTemp(): Promise<number> {
    return removeTempFiles(this.dir);
  }

  private async prune(): Promise<void> {
    const doomed = (await this.list()).slice(this.retain);
    for (const { file } of doomed) await fs.rm(file, { force: true });
    if (doomed.length > 0) await fsyncDir(this.dir);
  }
}
