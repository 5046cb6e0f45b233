// A node's pushed event applied to the status the manager holds for it: role and progress events
// move the status the same way a poll would have, the moment they happen. Pure.
import type { NodeStatus, PeerStatus, RecoveryStatus } from '../../../node-runtime/common/api-types';
import type { NodeEvent } from '../../../node-runtime/common/node-events';

/**
 * The status after `event`, or null when the event says nothing about the status (votes,
 * snapshots). `urlOf` gives a member's API URL, for the new leader's.
 */
export function statusAfter(status: NodeStatus, event: NodeEvent, urlOf: (id: number) => string | null): NodeStatus | null {
  switch (event.type) {
    case 'role': {
      const leaderUrl = event.leaderId === null ? null : event.leaderId === status.leaderId ? status.leaderUrl : urlOf(event.leaderId);
      return { ...status, role: event.role, term: event.term, leaderId: event.leaderId, leaderUrl, votedFor: event.votedFor };
    }
    case 'progress': {
      const matches = new Map(event.peers.map((p) => [p.id, p]));
      // Replication progress is known on the leader only; elsewhere a peer's fields are unknown.
      const peers = status.peers.map((p): PeerStatus => {
        const moved = matches.get(p.id);
        return moved === undefined ? { ...p, match: null, next: null, state: null } : { ...p, match: moved.match, state: moved.state };
      });
      const { term, commitIndex, appliedIndex, lastIndex, snapshotIndex } = event;
      return { ...status, term, commitIndex, appliedIndex, lastIndex, snapshotIndex, peers };
    }
    default:
      return null;
  }
}

/** The recovery report after a catch-up event (the rest of the report is the last poll's). */
export function recoveryAfter(recovery: RecoveryStatus, event: NodeEvent): RecoveryStatus | null {
  if (event.type !== 'catchUp') return null;
  const { catchingUp, entriesBehind, chunksMissing, chunksFetched, bytesFetched } = event;
  return { ...recovery, catchingUp, entriesBehind, chunksMissing, chunksFetched, bytesFetched };
}
