// Opens a node's durable state (storage/NodeStorage: data-dir lock, identity, WAL, snapshots,
// chunks) and mirrors it into the Raft core's MemoryStorage — etcd's arrangement: the WAL is the
// record, memory is what the core reads.
import type { Logger } from 'pino';
import { MemoryStorage } from '../raft/memory-storage';
import type { ConfState, NodeId, SnapshotMetadata } from '../raft/types';
import { DATA_IN_STORAGE, LogReadBackError, type DurableState } from './raft-driver';
import { NodeStorage } from '../storage';

/** Applied entries' data kept in memory (the newest); older ones are read back from the WAL. */
const APPLIED_BYTES_IN_MEMORY = 4 * 1024 * 1024;

export interface OpenedStorage {
  readonly storage: NodeStorage;
  readonly memory: MemoryStorage;
  readonly durable: DurableState;
  /** Metadata of the snapshot the state machine must be restored from before Raft starts, if any. */
  readonly snapshot: SnapshotMetadata | undefined;
  /**
   * That snapshot's data, handed over once (undefined after, or without a snapshot): the state
   * machine is restored from it, and nothing needs it again. Kept here for the node's life it was
   * the whole stored snapshot, 27 MiB at 100,000 files, on every node that had restarted.
   */
  takeSnapshotData(): Uint8Array | undefined;
}

export interface OpenOptions {
  readonly dataDir: string;
  readonly nodeId: NodeId;
  /** Names the cluster a data directory belongs to (DFS_CLUSTER_ID); a mismatch refuses to start. */
  readonly clusterId: string;
  /** The membership a brand-new cluster starts with (from --cluster). */
  readonly founders: readonly NodeId[];
  /** Started with --join: no founding membership; it comes from the leader. */
  readonly join: boolean;
  readonly logger: Logger;
}

export async function openNodeStorage(options: OpenOptions): Promise<OpenedStorage> {
  const { storage, restored } = await NodeStorage.open(options.dataDir, { identity: { clusterId: options.clusterId, nodeId: options.nodeId } });
  if (restored.repairedTail) {
    options.logger.warn({ ...restored.repairedTail }, 'cut a torn record off the end of the write-ahead log (interrupted write); rejoining');
  }
  const { pack } = restored;
  if (pack.discarded.length > 0 || pack.damage.length > 0) {
    options.logger.warn({ discarded: pack.discarded, damage: pack.damage }, 'content packs: removed files without a pack header, cut or skipped damaged records (the scrubber repairs what they held from peers)');
  }
  const snapshot: SnapshotMetadata | undefined = restored.snapshot?.metadata;
  let snapshotData: Uint8Array | undefined = restored.snapshot?.data;

  // A founding member's MemoryStorage starts with the cluster's first entry (the initial
  // membership). On first start it is written to the WAL like any entry, so the log of record
  // holds it; later starts replay it from there.
  const bootstrap: ConfState = { voters: options.join ? [] : [...options.founders], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  const memory = new MemoryStorage(bootstrap);
  const brandNew = !snapshot && restored.entries.length === 0 && restored.hardState.term === 0;
  if (brandNew && memory.lastIndex() > 0) {
    await storage.wal.save({ entries: memory.entries(1, memory.lastIndex() + 1), sync: true });
  }
  // Only the metadata stays in memory: the state machine is restored from `snapshot` once, and a
  // snapshot sent to a follower is read back from disk (durable.loadSnapshot).
  if (snapshot) memory.applySnapshot({ metadata: snapshot, data: DATA_IN_STORAGE });
  if (restored.entries.length > 0) memory.append(restored.entries);
  memory.setHardState(restored.hardState);
  // Applied entries' data leaves memory beyond a few MiB and is read back from the WAL when a
  // lagging follower needs it: the log's window (32 MiB, build-raft.ts) stays on disk.
  // A failed read is the driver's to act on (LogReadBackError: it stops the node).
  const read = (index: number, term: number): Uint8Array => {
    try {
      return storage.wal.readEntry(index, term).data;
    } catch (cause) {
      throw new LogReadBackError(index, term, { cause });
    }
  };
  memory.spillTo({ read, keepAppliedBytes: APPLIED_BYTES_IN_MEMORY });

  const { wal, snapshots, contents } = storage;
  const durable: DurableState = {
    async saveSnapshot(received) {
      await snapshots.save(received);
      await wal.save({ snapshot: received.metadata, sync: true });
    },
    save(update) {
      return wal.save(update);
    },
    // The snapshot names small files' contents (format 5): the packs holding them are synced
    // before the WAL relies on it and drops the entries that carried them. Contents dropped
    // before its state was captured may then go.
    async compact(metadata, data, compactTo) {
      await contents.sync();
      await snapshots.saveStream(metadata, data);
      await wal.markSnapshot(metadata);
      contents.releaseUpTo(metadata.index);
      await wal.compact(compactTo);
    },
    // As stored: a snapshot that names its contents (format 5) leaves the node with them after it
    // (node/snapshot-contents.ts, transport/snapshot-stream.ts), never decoded or re-encoded here.
    async loadSnapshot(metadata) {
      return (await snapshots.load(await snapshots.find(metadata.index, metadata.term))).data;
    },
  };
  const takeSnapshotData = (): Uint8Array | undefined => {
    const data = snapshotData;
    snapshotData = undefined;
    return data;
  };
  return { storage, memory, durable, snapshot, takeSnapshotData };
}
