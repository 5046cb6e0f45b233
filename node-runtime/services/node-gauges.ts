// The node's own Prometheus gauges, next to prom-client's default process metrics.
import { Gauge, type Registry } from 'prom-client';
import type { StateMachine } from '../fsm';
import type { Status } from '../raft/types';

export interface GaugeSources {
  readonly raft: () => Status;
  readonly applied: () => number;
  readonly isLeader: () => boolean;
  readonly fsm: StateMachine;
  readonly uploadsInFlight: () => number;
}

export function registerNodeGauges(metrics: Registry, sources: GaugeSources): void {
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [metrics],
      collect() {
        this.set(value());
      },
    });
  gauge('dfs_raft_term', 'current Raft term', () => sources.raft().term);
  gauge('dfs_raft_commit_index', 'Raft commit index', () => sources.raft().commit);
  gauge('dfs_raft_applied_index', 'applied index', sources.applied);
  gauge('dfs_raft_is_leader', '1 when this node leads', () => (sources.isLeader() ? 1 : 0));
  gauge('dfs_files', 'files in the namespace', () => sources.fsm.totals().files);
  gauge('dfs_uploads_in_flight', 'uploads being received', sources.uploadsInFlight);
}
