// Facts derived from one ClusterSnapshot for display. Pure functions: the snapshot stays the
// single source of truth and these only look at it from a different angle.
import type { ClusterSnapshot, ManagedNode } from '../../../node-runtime/common/manager-api';
import { isCutOff as cutOffIn, partitionGroups as groupsOf } from '../../../node-runtime/common/partition-groups';

/** A stable empty list for selectors (a fresh `[]` would repaint on every store change). */
export const NO_NODES: readonly ManagedNode[] = [];

export function nodeById(snapshot: ClusterSnapshot | null, id: number | null): ManagedNode | undefined {
  if (snapshot === null || id === null) return undefined;
  return snapshot.nodes.find((n) => n.id === id);
}

export function leaderOf(snapshot: ClusterSnapshot | null): ManagedNode | undefined {
  return nodeById(snapshot, snapshot?.leaderId ?? null);
}

/** The leader's view of a peer (match index, last contact), when the leader reports it. */
export function leaderViewOf(snapshot: ClusterSnapshot | null, id: number) {
  return leaderOf(snapshot)?.report?.status.peers.find((p) => p.id === id);
}

/**
 * How many log entries this node still lacks compared with the leader. Taken from the leader's
 * match index when known (what the leader has confirmed), otherwise from the node's own last
 * index. Null when neither side is known.
 */
export function entriesBehindLeader(snapshot: ClusterSnapshot | null, node: ManagedNode): number | null {
  const leader = leaderOf(snapshot);
  const leaderLast = leader?.report?.status.lastIndex;
  if (leaderLast === undefined) return null;
  if (leader?.id === node.id) return 0;
  const match = leaderViewOf(snapshot, node.id)?.match;
  const known = match ?? node.report?.status.lastIndex;
  if (known === undefined || known === null) return null;
  return Math.max(0, leaderLast - known);
}

/**
 * Time since this follower last heard from its leader (the one it follows, which the cluster may
 * no longer count as leader), as of `now`: its election timer. Taken from the leader's last report
 * (`lastContactMs`, from its own clock). The manager re-sends a snapshot only when something else
 * changes, so that figure is as old as the report: while the leader is down, paused or cut off
 * from this follower the silence has kept growing since then; while they are connected contact
 * keeps happening and the reported value stands. Null for a leader, a campaigning node, or unknown.
 */
export function contactAgeMs(snapshot: ClusterSnapshot | null, node: ManagedNode, now: number): number | null {
  const status = node.report?.status;
  if (status === undefined || status.role !== 'follower') return null;
  const leader = nodeById(snapshot, status.leaderId ?? snapshot?.leaderId ?? null);
  if (leader === undefined || leader.id === node.id || leader.report == null) return null;
  const reported = leader.report.status.peers.find((p) => p.id === node.id)?.lastContactMs;
  if (reported == null) return null;
  const silent = !leader.reachable || !node.reachable || node.partitionedFrom.includes(leader.id) || leader.partitionedFrom.includes(node.id);
  return silent ? reported + Math.max(0, now - leader.report.receivedAt) : reported;
}

export function majorityOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** The groups of nodes that can still talk to each other (see common/partition-groups.ts). */
export function partitionGroups(snapshot: ClusterSnapshot): number[][] {
  return groupsOf(snapshot.nodes);
}

/** Whether a node sits outside the main group: the nodes a user thinks of as "isolated". */
export function isCutOff(snapshot: ClusterSnapshot, id: number): boolean {
  return cutOffIn(snapshot.nodes, id);
}

/** Groups after cutting `id` off from everyone. */
export function groupsIsolating(snapshot: ClusterSnapshot, id: number): number[][] {
  const rest = partitionGroups(snapshot)
    .map((g) => g.filter((n) => n !== id))
    .filter((g) => g.length > 0);
  return [...rest, [id]];
}

/** Groups after reconnecting `id` to the largest other group; a single group means "healed". */
export function groupsHealing(snapshot: ClusterSnapshot, id: number): number[][] {
  const others = partitionGroups(snapshot)
    .map((g) => g.filter((n) => n !== id))
    .filter((g) => g.length > 0);
  if (others.length === 0) return [[id]];
  let largest = 0;
  others.forEach((g, i) => {
    if (g.length > (others[largest]?.length ?? 0)) largest = i;
  });
  return others.map((g, i) => (i === largest ? [...g, id].sort((a, b) => a - b) : g));
}
