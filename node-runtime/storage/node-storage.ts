// Everything a node keeps on disk, opened together in the one order that is safe: lock the data
// directory, check its identity, replay the WAL, then find the snapshot the WAL refers to.
//
//   <dataDir>/LOCK        pid of the running node
//   <dataDir>/node.json   cluster id and node id
//   <dataDir>/wal/        write-ahead log segments
//   <dataDir>/snapshots/  state machine snapshots
//   <dataDir>/chunks/     file content by SHA-256
//   <dataDir>/inline/     small files' bytes in packs, reopened at start (content-pack.ts)
import path from 'node:path';
import type { HardState, Entry } from '../raft/types';
import { ChunkStore } from './chunk-store';
import type { ChunkStoreOptions } from './chunk-store';
import { ContentPack, type PackOpenReport } from './content-pack';
import { lockDataDir } from './data-dir-lock';
import type { DataDirLock } from './data-dir-lock';
import { mkdirDurable } from './durable-fs';
import { RecoveryError, SnapshotCorruptionError, SnapshotNotFoundError } from './errors';
import { ensureNodeIdentity } from './node-identity';
import type { NodeIdentity } from './node-identity';
import { SnapshotStore } from './snapshot-store';
import type { SnapshotStoreOptions, StoredSnapshot } from './snapshot-store';
import { Wal } from './wal/wal';
import type { TailRepair, WalOptions } from './wal/wal';

export interface NodeStorageOptions {
  readonly identity: NodeIdentity;
  readonly wal?: WalOptions;
  readonly snapshots?: SnapshotStoreOptions;
  readonly chunks?: ChunkStoreOptions;
}

/**
 * What the node restores on start, in this order: restore `snapshot` into the state machine and
 * MemoryStorage.applySnapshot, then MemoryStorage.append(entries), then setHardState(hardState).
 */
export interface RestoredState {
  readonly hardState: HardState;
  /** The snapshot the WAL relies on, its data read whole and checked against its checksum. */
  readonly snapshot?: StoredSnapshot & { readonly data: Uint8Array };
  readonly entries: readonly Entry[];
  /** Set when a torn WAL tail (an interrupted write) was cut off: worth a log line. */
  readonly repairedTail?: TailRepair;
  /** True on the very first start of this data directory. */
  readonly firstStart: boolean;
  /** What opening the content packs found (damage, an earlier build's files removed). */
  readonly pack: PackOpenReport;
}

export class NodeStorage {
  private constructor(
    readonly dataDir: string,
    readonly identity: NodeIdentity,
    readonly wal: Wal,
    readonly snapshots: SnapshotStore,
    readonly chunks: ChunkStore,
    /** Every content the packs hold, none held by a record until the state machine restores and replays. */
    readonly contents: ContentPack,
    private readonly lock: DataDirLock,
  ) {}

  static async open(dataDir: string, options: NodeStorageOptions): Promise<{ storage: NodeStorage; restored: RestoredState }> {
    await mkdirDurable(dataDir);
    const lock = await lockDataDir(dataDir);
    try {
      const { identity, created } = await ensureNodeIdentity(dataDir, options.identity);
      const snapshots = await SnapshotStore.open(path.join(dataDir, 'snapshots'), options.snapshots);
      const chunks = await ChunkStore.open(dataDir, options.chunks);
      const { wal, state, repairedTail } = await Wal.open(path.join(dataDir, 'wal'), options.wal);
      let snapshot: RestoredState['snapshot'];
      try {
        // The WAL marks a snapshot only after the snapshot store made it durable, and may have
        // dropped the entries it covers: without that exact snapshot the state cannot be rebuilt.
        // Read once, whole: checking it first and loading it after read it twice (a restart's
        // time grows with the state).
        if (state.snapshotMeta !== undefined) {
          const stored = await snapshots.find(state.snapshotMeta.index, state.snapshotMeta.term);
          snapshot = { ...stored, data: (await snapshots.load(stored)).data };
        }
      } catch (err) {
        await wal.close();
        if (err instanceof SnapshotNotFoundError || err instanceof SnapshotCorruptionError) {
          throw new RecoveryError(dataDir, `the write-ahead log relies on snapshot ${state.snapshotMeta?.index}/${state.snapshotMeta?.term}, which is ${err instanceof SnapshotNotFoundError ? 'missing' : 'corrupt'}`, { cause: err });
        }
        throw err;
      }
      const { pack: contents, report } = ContentPack.open(path.join(dataDir, 'inline'));
      const restored: RestoredState = {
        hardState: state.hardState,
        entries: state.entries,
        firstStart: created,
        pack: report,
        ...(snapshot === undefined ? {} : { snapshot }),
        ...(repairedTail === undefined ? {} : { repairedTail }),
      };
      return { storage: new NodeStorage(dataDir, identity, wal, snapshots, chunks, contents, lock), restored };
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      this.contents.close();
      await this.wal.close();
    } finally {
      await this.lock.release();
    }
  }
}
