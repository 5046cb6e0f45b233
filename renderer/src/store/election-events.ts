// The nodes' recent role, vote and (the leader's) progress events, pushed by the nodes and
// forwarded by the manager: what the Raft view draws of an election and of appends, which are
// over in milliseconds and never sit in a snapshot long.
// Kept by the cluster frame's fold (cluster-frame.ts).
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import type { ReceivedNodeEvent } from './state';

/** How long events are kept: enough for the longest animation the Raft view plays from them. */
export const ELECTION_MEMORY_MS = 10_000;
/** Progress events (the leader's replication) only feed the append dots, which fly for under a second. */
const PROGRESS_MEMORY_MS = 2_000;
const MAX_EVENTS = 300;

/** `events` with `event` (received at `at`) added when the Raft view draws it, older ones forgotten. */
export function electionEventsAfter(events: readonly ReceivedNodeEvent[], event: NodeEvent, at: number): readonly ReceivedNodeEvent[] {
  if (event.type === 'snapshot' || event.type === 'catchUp') return events;
  // Only a leader's progress tells of appends (its peers' match indexes).
  if (event.type === 'progress' && event.peers.length === 0) return events;
  // Of a node's progress older than that, the newest stays however old: the ones after it are
  // compared with it for appends.
  const since = at - PROGRESS_MEMORY_MS;
  const baseline = new Map(events.flatMap((e, i) => (e.event.type === 'progress' && e.at < since ? [[e.event.node, i] as const] : [])));
  const kept = events.filter((e, i) => (e.event.type === 'progress' ? e.at >= since || baseline.get(e.event.node) === i : e.at >= at - ELECTION_MEMORY_MS));
  return [...kept.slice(-MAX_EVENTS + 1), { event, at }];
}
