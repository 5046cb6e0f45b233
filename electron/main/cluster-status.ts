// The one line of cluster health the tray and the Cluster menu show, from the manager's
// snapshot exactly as published (nothing is recomputed: leader and health are the snapshot's).
// Pure (no 'electron'), so it is unit-tested.
import type { ClusterSnapshot } from '../../node-runtime/common/manager-api';

export interface ClusterStatusLine {
  /** Short, for a menu item: "Healthy · leader node 2". */
  readonly label: string;
  /** Longer, for the tray tooltip. */
  readonly tooltip: string;
}

const healthWords: Record<ClusterSnapshot['health'], string> = {
  healthy: 'Healthy',
  degraded: 'Degraded',
  electing: 'Electing a leader',
  noQuorum: 'No quorum',
};

export function clusterStatusLine(snapshot: ClusterSnapshot | null): ClusterStatusLine {
  if (snapshot === null) return { label: 'Starting the cluster…', tooltip: 'DFS Desktop — starting the cluster…' };
  const reachable = snapshot.nodes.filter((n) => n.reachable).length;
  const leader = snapshot.leaderId === null ? 'no leader' : `leader node ${snapshot.leaderId}`;
  const label = `${healthWords[snapshot.health]} · ${leader}`;
  const where = snapshot.mode === 'local' ? 'local cluster' : `cluster "${snapshot.profile}"`;
  return {
    label,
    tooltip: `DFS Desktop — ${where}: ${label} · ${reachable} of ${snapshot.nodes.length} nodes answering`,
  };
}
