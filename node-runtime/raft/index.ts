// The Raft core's public surface. Drive a RawNode; persist into a LogStorage (MemoryStorage).

export * from './types';
export { RawNode } from './rawnode';
export type { RawNodeConfig } from './rawnode';
export { MemoryStorage, EMPTY_CONF_STATE, EMPTY_HARD_STATE } from './memory-storage';
export { encodeConfChange, decodeConfChange, ConfChangeDecodeError } from './codec';
export { RaftInvariantError, CompactedError, SnapshotOutOfDateError, ConfChangeError } from './errors';
