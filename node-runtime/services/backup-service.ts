// `GET /backup` (issue #18): one archive (backup/archive-format.ts) of the state at this node's
// applied index — committed, so a state the cluster really had — and every distinct content its
// files hold, each read through the verified read path (a missing or corrupt chunk is repaired
// from a peer first). The metadata is captured in one synchronous step (lists of the state's
// records, which commands replace and never change), so writes that land while the archive streams
// are not in it, and the chunks it names are pinned against garbage collection until the stream
// ends. Its snapshot is encoded a piece at a time with the event loop free between pieces: tens of
// MB in one go would hold a leader's heartbeats long enough for an election. A backup that
// streamed to its end is this node's lastBackup.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ARCHIVE_FORMAT_VERSION, ARCHIVE_MAGIC, FRAME, frameHead, type BackupManifest } from '../backup/archive-format';
import { ApiError } from '../common/errors';
import { encodeSnapshotPieces, toFileInfo } from '../fsm';
import type { FileRecord, SnapshotState, StateMachine } from '../fsm';
import type { Clock, FileService } from '../ports';
import { readJsonFile, writeJsonAtomic } from '../storage/atomic-file';
import type { ChunkPins } from './chunk-pins';

export interface BackupSources {
  readonly nodeId: number;
  readonly dataDir: string;
  readonly fsm: StateMachine;
  readonly files: Pick<FileService, 'read'>;
  readonly term: () => number;
  readonly pins: ChunkPins;
  /** A leader is known and this node is about as far as it: its state is recent, not a stale one. */
  readonly isCurrent: () => boolean;
  readonly onFailed: (err: Error) => void;
  readonly clock: Clock;
}

const LAST_BACKUP_FILE = 'last-backup.json';

export class BackupService {
  private lastAt: number | null = null;

  constructor(private readonly sources: BackupSources) {}

  async load(): Promise<void> {
    const saved = (await readJsonFile(path.join(this.sources.dataDir, LAST_BACKUP_FILE))) as { at?: number } | undefined;
    if (typeof saved?.at === 'number') this.lastAt = saved.at;
  }

  /** When this node last streamed a whole backup; null before its first. */
  lastSucceededAt(): number | null {
    return this.lastAt;
  }

  async start(): Promise<{ manifest: BackupManifest; stream: Readable }> {
    const { fsm, clock } = this.sources;
    if (!this.sources.isCurrent()) throw new ApiError('unavailable', `node ${this.sources.nodeId} is not caught up with a leader; back up from a healthy node`);
    const captured = fsm.captureState();
    const contents = distinctContents(captured.files);
    const release = this.sources.pins.pin([...contents.values()].flatMap((f) => f.chunks.map((c) => c.hash)));
    let snapshot: Buffer;
    try {
      snapshot = await encodeInTurns(captured);
    } catch (err) {
      release();
      throw err;
    }
    const manifest: BackupManifest = {
      formatVersion: ARCHIVE_FORMAT_VERSION,
      index: captured.appliedIndex,
      term: this.sources.term(),
      createdAt: new Date(clock.now()).toISOString(),
      sourceNode: this.sources.nodeId,
      files: captured.files.length,
      contents: contents.size,
      bytes: [...contents.values()].reduce((sum, f) => sum + f.size, 0),
    };
    // Captured with their bytes (captureState's default): a backup carries every content.
    const inline = new Map(captured.contents.flatMap((c) => (c.read === undefined ? [] : [[c.sha256, c.read] as const])));
    const stream = Readable.from(this.frames(manifest, snapshot, contents, inline), { objectMode: false });
    stream.once('close', release);
    return { manifest, stream };
  }

  private async *frames(manifest: BackupManifest, snapshot: Buffer, contents: ReadonlyMap<string, FileRecord>, inline: ReadonlyMap<string, () => Uint8Array>): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    const hashed = (piece: Buffer) => (hash.update(piece), piece);
    yield hashed(Buffer.from(ARCHIVE_MAGIC, 'latin1'));
    yield hashed(frameHead(FRAME.manifest, manifest, snapshot.length));
    yield hashed(snapshot);
    for (const [sha256, file] of contents) {
      yield hashed(frameHead(FRAME.content, { sha256, size: file.size }, file.size));
      // A small file's bytes live in the state itself (inline), and the live state lets them go
      // once the file is overwritten or deleted, as a write storm does while the archive streams:
      // they come from the captured state, which holds them as of the backup's index.
      const held = inline.get(sha256);
      if (held !== undefined) yield hashed(verifiedInline(sha256, held()));
      else for await (const piece of this.sources.files.read(toFileInfo(file), null)) yield hashed(piece as Buffer);
    }
    yield frameHead(FRAME.end, { contents: contents.size, sha256: hash.digest('hex') }, 0);
    this.lastAt = this.sources.clock.now();
    await writeJsonAtomic(path.join(this.sources.dataDir, LAST_BACKUP_FILE), { at: this.lastAt, index: manifest.index }).catch((err: Error) => this.sources.onFailed(err));
  }
}

/** Bytes are checked against their SHA-256 before they are served, from wherever they come. */
function verifiedInline(sha256: string, content: Uint8Array): Buffer {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new Error(`an inline content does not match its SHA-256 ${sha256}`);
  return bytes;
}

/** Every file of a state, in name order. */
export function* allFiles(state: StateMachine): Generator<FileRecord> {
  let after: string | undefined;
  for (;;) {
    const page = state.list({ limit: 1000, ...(after !== undefined ? { after } : {}) });
    yield* page.items;
    if (page.nextCursor === null) return;
    after = page.nextCursor;
  }
}

/** One file per distinct content (SHA-256), in name order of its first holder (`files` are in name order). */
function distinctContents(files: readonly FileRecord[]): Map<string, FileRecord> {
  const contents = new Map<string, FileRecord>();
  for (const file of files) if (!contents.has(file.sha256)) contents.set(file.sha256, file);
  return contents;
}

/** The state's snapshot, a piece per turn of the event loop. */
async function encodeInTurns(state: SnapshotState): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for (const piece of encodeSnapshotPieces(state)) {
    pieces.push(piece);
    await nextTurn();
  }
  return Buffer.concat(pieces);
}
