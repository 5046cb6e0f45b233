// Cluster-level facts derived from what the nodes report: who leads, who follows that leader,
// and how many more failures the cluster survives. Pure, so it is tested with plain objects.
import type { ClusterHealth } from '../../../node-runtime/common/manager-api';
import type { NodeStatus } from '../../../node-runtime/common/api-types';

export interface ObservedNode {
  readonly id: number;
  /** The node's status from the latest poll; null when it did not answer. */
  readonly status: NodeStatus | null;
}

export interface ClusterHealthView {
  readonly leaderId: number | null;
  readonly term: number;
  readonly health: ClusterHealth;
  readonly faultTolerance: number;
  readonly inQuorum: number[];
}

/**
 * The leader is the one named in the highest term any answering node reports (a node claiming
 * leadership itself wins over hearsay in that term). Voters are the leader's view of the
 * membership when it answers, else every known node. A voter is in quorum when it answers and
 * follows that leader in that term; partitioned or lagging-term nodes do not count. There is a
 * quorum when the leader itself answers and a majority of voters is in quorum.
 */
export function computeHealth(nodes: readonly ObservedNode[]): ClusterHealthView {
  const answering = nodes.filter((n): n is ObservedNode & { status: NodeStatus } => n.status !== null);
  const term = answering.reduce((max, n) => Math.max(max, n.status.term), 0);
  const inTerm = answering.filter((n) => n.status.term === term);
  const selfClaimed = inTerm.find((n) => n.status.role === 'leader');
  const leaderId = selfClaimed?.id ?? inTerm.find((n) => n.status.leaderId !== null)?.status.leaderId ?? null;

  const leaderStatus = answering.find((n) => n.id === leaderId)?.status ?? null;
  const voters = leaderStatus
    ? [leaderStatus.id, ...leaderStatus.peers.filter((p) => !p.isLearner).map((p) => p.id)]
    : nodes.map((n) => n.id);
  const inQuorum =
    leaderId === null
      ? []
      : answering
          .filter((n) => voters.includes(n.id) && n.status.term === term && (n.id === leaderId || n.status.leaderId === leaderId))
          .map((n) => n.id)
          .sort((a, b) => a - b);
  const majority = Math.floor(voters.length / 2) + 1;
  // Followers vouching for a leader that does not answer (just killed, or cut off from us) are
  // not proof of a working cluster: the manager cannot tell, so it claims no quorum.
  if (leaderId === null || !inQuorum.includes(leaderId) || inQuorum.length < majority) {
    return { leaderId, term, health: 'noQuorum', faultTolerance: 0, inQuorum };
  }
  return {
    leaderId,
    term,
    health: inQuorum.length === voters.length ? 'healthy' : 'degraded',
    faultTolerance: inQuorum.length - majority,
    inQuorum,
  };
}
