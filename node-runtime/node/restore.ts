// `dfs-node restore` (issue #18, like etcdutl snapshot restore): seeds a new node's data directory
// from a backup archive. The archive is walked once: its metadata becomes a Raft snapshot at the
// backup's index whose membership is the new --cluster list, and each content is cut back into
// the chunks the metadata lists, each chunk's SHA-256 checked as the chunk store writes it. The
// snapshot is written only after every file's content arrived intact, so a failed restore leaves
// a directory no node starts from (and the command says so).
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { ArchiveError, type BackupManifest, type ContentHeader } from '../backup/archive-format';
import { walkArchive } from '../backup/walk-archive';
import { isInline, StateMachine, type FileRecord } from '../fsm';
import type { ConfState, SnapshotMetadata } from '../raft/types';
import { allFiles } from '../services/backup-service';
import { NodeStorage, type ChunkStore } from '../storage';
import type { ClusterMember } from './cli-options';

export interface RestoreOptions {
  readonly from: string;
  readonly dataDir: string;
  readonly nodeIndex: number;
  readonly cluster: readonly ClusterMember[];
  readonly clusterId: string;
}

export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}

/** Cuts one content's bytes into the file's chunks, in order, and stores each (verified by hash). */
async function storeAsChunks(body: AsyncIterable<Buffer>, file: FileRecord, chunks: ChunkStore): Promise<void> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let next = 0;
  const flushWhole = async () => {
    for (let chunk = file.chunks[next]; chunk && pendingBytes >= chunk.size; chunk = file.chunks[next]) {
      const all = Buffer.concat(pending);
      await chunks.put(chunk.hash, all.subarray(0, chunk.size));
      pending = [all.subarray(chunk.size)];
      pendingBytes -= chunk.size;
      next++;
    }
  };
  for await (const piece of body) {
    pending.push(piece);
    pendingBytes += piece.length;
    await flushWhole();
  }
  if (next !== file.chunks.length || pendingBytes !== 0) throw new ArchiveError(`content ${file.sha256} does not split into the chunks "${file.name}" lists`);
}

/**
 * Per content, every distinct way files cut it into chunks (one, unless the cluster's chunkSize
 * changed between writes of the same content): restore must store the chunks of each.
 */
function chunkLayouts(state: StateMachine): Map<string, FileRecord[]> {
  const layouts = new Map<string, FileRecord[]>();
  const seen = new Set<string>();
  for (const file of allFiles(state)) {
    const key = `${file.sha256}:${file.chunks.map((c) => c.hash).join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    layouts.set(file.sha256, [...(layouts.get(file.sha256) ?? []), file]);
  }
  return layouts;
}

/** A content already stored as `file`'s chunks, read back from the chunk store. */
async function* storedContent(file: FileRecord, chunks: ChunkStore): AsyncGenerator<Buffer> {
  for (const chunk of file.chunks) yield await chunks.read(chunk.hash);
}

export async function restoreDataDir(options: RestoreOptions): Promise<BackupManifest & { nodeId: number }> {
  const self = options.cluster[options.nodeIndex];
  if (!self) throw new RestoreError(`--node ${options.nodeIndex} is outside the cluster list`);
  const present = await readdir(options.dataDir).catch(() => []);
  if (present.length > 0) throw new RestoreError(`${options.dataDir} is not empty: restore seeds a new data directory only`);
  const { storage } = await NodeStorage.open(options.dataDir, { identity: { clusterId: options.clusterId, nodeId: self.id } });
  try {
    let snapshot: Buffer = Buffer.alloc(0);
    let byContent = new Map<string, FileRecord[]>();
    const stored = new Set<string>();
    const manifest = await walkArchive(createReadStream(options.from), {
      manifest(_m, bytes) {
        snapshot = bytes;
        byContent = chunkLayouts(StateMachine.fromSnapshot(bytes));
      },
      async content(header: ContentHeader, body) {
        const layouts = byContent.get(header.sha256) ?? [];
        if (layouts.length === 0) throw new ArchiveError(`content ${header.sha256} belongs to no file of the backup`);
        // A small file's bytes travel inside the state itself (inline): the snapshot brings them
        // back. Only the layouts in chunks need the chunk store; the walk still checks the bytes.
        const [first, ...others] = layouts.filter((file) => !isInline(file));
        if (first === undefined) {
          for await (const piece of body) void piece;
        } else {
          await storeAsChunks(body, first, storage.chunks);
          for (const other of others) await storeAsChunks(storedContent(first, storage.chunks), other, storage.chunks);
        }
        stored.add(header.sha256);
      },
    });
    const missing = [...byContent.values()].flat().filter((f) => !stored.has(f.sha256));
    if (missing.length > 0) throw new ArchiveError(`the archive lacks the content of ${missing.length} files (first: "${missing[0]!.name}")`);
    const confState: ConfState = { voters: options.cluster.map((m) => m.id), learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
    const metadata: SnapshotMetadata = { index: manifest.index, term: manifest.term, confState };
    await storage.snapshots.save({ metadata, data: snapshot });
    await storage.wal.save({ snapshot: metadata, hardState: { term: manifest.term, vote: 0, commit: manifest.index }, sync: true });
    return { ...manifest, nodeId: self.id };
  } finally {
    await storage.close();
  }
}
