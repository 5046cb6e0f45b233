// The storage layer's public surface: the only code in the node that touches the disk.
export { AtomicWriter, readJsonFile, writeFileAtomic, writeJsonAtomic } from './atomic-file';
export { ChunkStore, ChunkWriter, DEFAULT_CHUNK_SIZE, isChunkHash } from './chunk-store';
export type { ChunkRef, ChunkStoreOptions, ChunkStoreStats } from './chunk-store';
export { storeChunked } from './chunker';
export { ContentPack } from './content-pack';
export type { ChunkedFile, ChunkerOptions } from './chunker';
export { DataDirLockedError, lockDataDir } from './data-dir-lock';
export type { DataDirLock } from './data-dir-lock';
export {
  ChunkHashMismatchError,
  ChunkNotFoundError,
  InvalidChunkHashError,
  MetadataFileError,
  NodeIdentityMismatchError,
  RecoveryError,
  SnapshotCorruptionError,
  SnapshotNotFoundError,
  WalClosedError,
  WalCorruptionError,
  WalFailedError,
  WalUsageError,
} from './errors';
export { ensureNodeIdentity, NODE_FILE, readNodeIdentity } from './node-identity';
export type { NodeIdentity } from './node-identity';
export { NodeStorage } from './node-storage';
export type { NodeStorageOptions, RestoredState } from './node-storage';
export { SnapshotStore } from './snapshot-store';
export type { SnapshotStoreOptions, StoredSnapshot } from './snapshot-store';
export { EMPTY_HARD_STATE } from './wal/replay';
export type { WalState } from './wal/replay';
export { DEFAULT_SEGMENT_BYTES, Wal } from './wal/wal';
export type { TailRepair, WalOpenResult, WalOptions, WalSaveRequest, WalStats } from './wal/wal';
