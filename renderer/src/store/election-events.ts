// The nodes' recent role and vote events (pushed by the nodes, forwarded by the manager): what the
// Raft view draws of an election, which is over in milliseconds and never sits in a snapshot long.
// Kept by the cluster frame's fold (cluster-frame.ts).
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import type { ReceivedNodeEvent } from './state';

/** How long events are kept: enough for the longest animation the Raft view plays from them. */
export const ELECTION_MEMORY_MS = 10_000;
const MAX_EVENTS = 300;

/** `events` with `event` (received at `at`) added when the Raft view draws it, older ones forgotten. */
export function electionEventsAfter(events: readonly ReceivedNodeEvent[], event: NodeEvent, at: number): readonly ReceivedNodeEvent[] {
  if (event.type !== 'role' && event.type !== 'voteRequested' && event.type !== 'voteGranted') return events;
  return [...events.filter((e) => e.at >= at - ELECTION_MEMORY_MS).slice(-MAX_EVENTS + 1), { event, at }];
}
