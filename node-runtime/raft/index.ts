// The Raft core's public surface (etcd's raft package, in TypeScript).
//
// Driving loop, for a real node and for the simulator alike:
//   const storage = MemoryStorage.withVoters([1, 2, 3]);   // founders; a joiner: new MemoryStorage()
//   const node = new RawNode({ id, storage, electionTicks, heartbeatTicks, random, preVote, checkQuorum });
//   on a timer: node.tick();   on a peer message: node.step(m);   on a request: node.propose(data)
//   while (node.hasReady()) {
//     const rd = node.ready();
//     persist rd.snapshot (storage.applySnapshot), rd.entries (storage.append), rd.hardState
//     (storage.setHardState) — durably when rd.mustSync — then send rd.messages (a leader may
//     send them while it persists: see Ready in types.ts);
//     apply rd.committedEntries in order (decodeConfChange + node.applyConfChange for 'confChange'
//     entries), serve rd.readStates once applied up to their index;
//     node.advance(rd);
//   }
// To bound the log: storage.createSnapshot(applied, confState, data) then storage.compact(index).

export * from './types';
export { RawNode } from './rawnode';
export type { RawNodeConfig } from './rawnode';
export { MemoryStorage, EMPTY_CONF_STATE, EMPTY_HARD_STATE } from './memory-storage';
export { encodeConfChange, decodeConfChange, ConfChangeDecodeError } from './codec';
export { RaftInvariantError, CompactedError, SnapshotOutOfDateError, ConfChangeError } from './errors';
