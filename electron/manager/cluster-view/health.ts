// Cluster-level facts derived from what the nodes report: who leads, who follows that leader,
// whether an election is under way, who is behind, and how many more failures the cluster
// survives. Pure, so it is tested with plain objects.
import type { ClusterHealth } from '../../../node-runtime/common/manager-api';
import type { NodeStatus, RecoveryStatus } from '../../../node-runtime/common/api-types';

export interface ObservedNode {
  readonly id: number;
  /** The node's current status; null when it is down (exited, paused, stream dropped, no answer). */
  readonly status: NodeStatus | null;
  /** Its latest recovery status, when known: a node still fetching chunks is not in sync. */
  readonly recovery?: RecoveryStatus | null;
  /** Cut off from the main group by injected faults: it cannot take part in that group's quorum. */
  readonly isolated?: boolean;
}

export interface ClusterHealthView {
  readonly leaderId: number | null;
  readonly term: number;
  readonly health: ClusterHealth;
  readonly faultTolerance: number;
  readonly inQuorum: number[];
  /** Voters following the leader that lack committed entries or chunks. */
  readonly behind: number[];
}

type Live = ObservedNode & { readonly status: NodeStatus };

/** Voters: the leader's view of the membership, else every node no answering node calls a learner. */
function votersOf(nodes: readonly ObservedNode[], leader: Live | undefined): number[] {
  if (leader !== undefined) return [leader.id, ...leader.status.peers.filter((p) => !p.isLearner).map((p) => p.id)];
  const learners = new Set(nodes.flatMap((n) => n.status?.peers.filter((p) => p.isLearner).map((p) => p.id) ?? []));
  return nodes.map((n) => n.id).filter((id) => !learners.has(id));
}

/** Followers the leader has not confirmed up to its commit index, and nodes missing chunks. */
function behindOf(leader: Live, inQuorum: readonly Live[]): number[] {
  const { commitIndex, peers } = leader.status;
  return inQuorum
    .filter((n) => {
      const match = n.id === leader.id ? null : (peers.find((p) => p.id === n.id)?.match ?? null);
      const lacksEntries = match !== null && match < commitIndex;
      const lacksChunks = (n.recovery?.chunksMissing ?? 0) > 0 || n.recovery?.catchingUp === true;
      return lacksEntries || lacksChunks;
    })
    .map((n) => n.id);
}

/**
 * The leader is the node that answers, is not cut off, and claims leadership in the highest term
 * any answering node reports: hearsay from followers never names a leader that is down (it was
 * just killed, or cannot be reached) — the followers simply have not noticed yet. A voter is in
 * quorum when it answers, is not cut off, and follows that leader in that term.
 * - healthy / degraded: the leader and a majority of voters are in quorum (healthy only when all
 *   voters are, and none of them lacks committed entries or chunks);
 * - electing: no such majority yet, but a majority of voters is alive and connected, so one will
 *   form without anyone's help (a leader just died, or was just elected and is not yet followed);
 * - noQuorum: fewer than a majority of voters alive and connected.
 */
export function computeHealth(nodes: readonly ObservedNode[]): ClusterHealthView {
  const connected = nodes.filter((n): n is Live => n.status !== null && n.isolated !== true);
  const term = nodes.reduce((max, n) => Math.max(max, n.status?.term ?? 0), 0);
  const leader = connected.find((n) => n.status.term === term && n.status.role === 'leader');
  const voters = votersOf(nodes, leader);
  const majority = Math.floor(voters.length / 2) + 1;
  const alive = connected.filter((n) => voters.includes(n.id));
  const following = leader === undefined ? [] : alive.filter((n) => n.status.term === term && (n.id === leader.id || n.status.leaderId === leader.id));
  const inQuorum = following.map((n) => n.id).sort((a, b) => a - b);
  const leaderId = leader?.id ?? null;
  if (leader === undefined || inQuorum.length < majority) {
    const health: ClusterHealth = alive.length >= majority ? 'electing' : 'noQuorum';
    return { leaderId, term, health, faultTolerance: 0, inQuorum, behind: [] };
  }
  const behind = behindOf(leader, following).sort((a, b) => a - b);
  return {
    leaderId,
    term,
    health: inQuorum.length === voters.length && behind.length === 0 ? 'healthy' : 'degraded',
    faultTolerance: inQuorum.length - majority,
    inQuorum,
    behind,
  };
}
