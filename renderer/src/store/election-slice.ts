// The nodes' recent role and vote events (pushed by the nodes, forwarded by the manager): what the
// Raft view draws of an election, which is over in milliseconds and never sits in a snapshot long.
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import type { ElectionSlice, SliceCreator } from './state';

/** How long events are kept: enough for the longest animation the Raft view plays from them. */
export const ELECTION_MEMORY_MS = 10_000;
const MAX_EVENTS = 300;

export const createElectionSlice: SliceCreator<ElectionSlice> = (set, _get, deps) => ({
  electionEvents: [],

  observeNodeEvent(event: NodeEvent) {
    if (event.type !== 'role' && event.type !== 'voteRequested' && event.type !== 'voteGranted') return;
    const at = deps.now();
    set((s) => ({ electionEvents: [...s.electionEvents.filter((e) => e.at >= at - ELECTION_MEMORY_MS).slice(-MAX_EVENTS + 1), { event, at }] }));
  },
});
