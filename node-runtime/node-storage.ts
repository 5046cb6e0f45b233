// Opens a node's durable state — write-ahead log and snapshots — and mirrors it into the Raft
// core's MemoryStorage (etcd's arrangement: the WAL is the record, memory is what the core reads).
import path from 'node:path';
import type { Logger } from 'pino';
import { MemoryStorage } from './raft/memory-storage';
import type { ConfState, NodeId, Snapshot } from './raft/types';
import type { DurableState } from './raft-driver';
import { SnapshotStore } from './storage/snapshot-store';
import { Wal } from './storage/wal/wal';

export interface OpenedStorage {
  readonly wal: Wal;
  readonly snapshots: SnapshotStore;
  readonly memory: MemoryStorage;
  readonly durable: DurableState;
  /** The snapshot the state machine must be restored from before Raft starts, if any. */
  readonly snapshot: Snapshot | undefined;
}

/**
 * `founders` is the membership a brand-new cluster starts with (from --cluster); a node started
 * with --join starts with none and learns the membership from the leader.
 */
export async function openNodeStorage(dataDir: string, founders: readonly NodeId[], join: boolean, logger: Logger): Promise<OpenedStorage> {
  const { wal, state, repairedTail } = await Wal.open(path.join(dataDir, 'wal'));
  if (repairedTail) {
    logger.warn({ ...repairedTail }, 'cut a torn record off the end of the write-ahead log (interrupted write); rejoining');
  }
  const snapshots = await SnapshotStore.open(path.join(dataDir, 'snapshots'));
  const snapshot = state.snapshotMeta ? await snapshots.load(await snapshots.find(state.snapshotMeta.index, state.snapshotMeta.term)) : undefined;

  const bootstrap: ConfState = { voters: join ? [] : [...founders], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  // A founding member's MemoryStorage starts with the cluster's first entry (the initial
  // membership). On first start it is written to the WAL like any entry, so the log of record
  // holds it; later starts replay it from there.
  const memory = new MemoryStorage(bootstrap);
  const brandNew = !snapshot && state.entries.length === 0 && state.hardState.term === 0;
  if (brandNew && memory.lastIndex() > 0) {
    await wal.save({ entries: memory.entries(1, memory.lastIndex() + 1), sync: true });
  }
  if (snapshot) memory.applySnapshot(snapshot);
  if (state.entries.length > 0) memory.append(state.entries);
  memory.setHardState(state.hardState);

  const durable: DurableState = {
    async saveSnapshot(received) {
      await snapshots.save(received);
      await wal.save({ snapshot: received.metadata, sync: true });
    },
    save(update) {
      return wal.save(update);
    },
    async compact(taken, compactTo) {
      await snapshots.save(taken);
      await wal.markSnapshot(taken.metadata);
      await wal.compact(compactTo);
    },
  };
  return { wal, snapshots, memory, durable, snapshot };
}
