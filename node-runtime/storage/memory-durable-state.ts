// The in-memory twin of the write-ahead log and snapshot store, as hashicorp/raft ships an
// in-memory store beside each durable one. Its "disk" is a MemoryStorage that outlives the
// driver using it: the simulator crashes a node by dropping its driver and core, then boots a
// new one from `recover()`, exactly as a process replays its WAL. Every write lands at once; the
// driver still awaits it, so the code path is the production one.
import type { MemoryStorage } from '../raft/memory-storage';
import type { Entry, HardState, Snapshot, SnapshotMetadata } from '../raft/types';

export class MemoryDurableState {
  /** What survives a crash: the persisted snapshot, log and hard state. */
  readonly disk: MemoryStorage;

  constructor(disk: MemoryStorage) {
    this.disk = disk;
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.disk.applySnapshot(snapshot);
    return Promise.resolve();
  }

  save(update: { hardState?: HardState; entries: readonly Entry[]; sync: boolean }): Promise<void> {
    if (update.entries.length > 0) this.disk.append(update.entries);
    if (update.hardState) this.disk.setHardState(update.hardState);
    return Promise.resolve();
  }

  compact(metadata: SnapshotMetadata, data: Iterable<Uint8Array>, compactTo: number): Promise<void> {
    const { index, confState } = metadata;
    if (index > this.disk.snapshot().metadata.index) this.disk.createSnapshot(index, confState, new Uint8Array(Buffer.concat([...data])));
    if (compactTo >= this.disk.firstIndex()) this.disk.compact(compactTo);
    return Promise.resolve();
  }

  /** The data of the snapshot on "disk", which must be the one asked for (older ones are gone). */
  loadSnapshot(metadata: SnapshotMetadata): Promise<Uint8Array> {
    const { metadata: held, data } = this.disk.snapshot();
    if (held.index !== metadata.index || held.term !== metadata.term) {
      return Promise.reject(new Error(`snapshot ${metadata.index}/${metadata.term} is no longer stored (now ${held.index}/${held.term})`));
    }
    return Promise.resolve(data);
  }

  /** The core's in-memory log after a (re)start: a copy of what the disk holds. */
  recover(): MemoryStorage {
    return this.disk.clone();
  }
}
