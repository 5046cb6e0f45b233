// The node's own Prometheus gauges, next to prom-client's default process metrics. The alert
// rules and the Grafana dashboard in ops/ are built on these names: rename one there too.
import { Gauge, type Registry } from 'prom-client';
import type { RecoveryStatus } from '../common/api-types';
import type { StateMachine } from '../fsm';
import type { Status } from '../raft/types';

export interface GaugeSources {
  readonly raft: () => Status;
  readonly applied: () => number;
  readonly isLeader: () => boolean;
  readonly fsm: StateMachine;
  readonly uploadsInFlight: () => number;
  /** Small writes this follower wrote itself and relayed to the leader through Raft, since it started. */
  readonly writesRelayed: () => number;
  readonly recovery: () => RecoveryStatus;
  /** Free bytes on the data volume; null where the platform cannot tell. */
  readonly diskFree: () => Promise<number | null>;
  /** The node setting diskReserveBytes: below it free, the node refuses new chunks. */
  readonly diskReserveBytes: () => number;
}

export function registerNodeGauges(metrics: Registry, sources: GaugeSources): void {
  const gauge = (name: string, help: string, value: () => number | null | Promise<number | null>) =>
    new Gauge({
      name,
      help,
      registers: [metrics],
      async collect() {
        // Unknown is NaN, not a false 0: every comparison with NaN is false, so no alert fires on it.
        this.set((await value()) ?? NaN);
      },
    });
  const lastScrub = () => sources.recovery().scrub.lastRun;
  gauge('dfs_raft_term', 'current Raft term', () => sources.raft().term);
  gauge('dfs_raft_commit_index', 'Raft commit index', () => sources.raft().commit);
  gauge('dfs_raft_applied_index', 'applied index', sources.applied);
  gauge('dfs_raft_is_leader', '1 when this node leads', () => (sources.isLeader() ? 1 : 0));
  gauge('dfs_raft_leader_known', '1 when this node knows a leader', () => (sources.raft().leader !== 0 ? 1 : 0));
  gauge('dfs_files', 'files in the namespace', () => sources.fsm.totals().files);
  gauge('dfs_uploads_in_flight', 'uploads being received', sources.uploadsInFlight);
  gauge('dfs_writes_relayed', 'small writes this node took as a follower and proposed through the leader over Raft, since it started', sources.writesRelayed);
  gauge('dfs_disk_free_bytes', 'free bytes on the data volume', sources.diskFree);
  gauge('dfs_disk_reserve_bytes', 'free bytes the node keeps in reserve (diskReserveBytes); new chunks are refused below it', sources.diskReserveBytes);
  gauge('dfs_scrub_last_corrupt_chunks', 'corrupt chunks the last finished scrub found (0 before the first)', () => lastScrub()?.corrupt ?? 0);
  gauge('dfs_scrub_last_unrepairable_chunks', 'chunks the last finished scrub left corrupt or could not repair', () => {
    const run = lastScrub();
    return run ? run.unrepairable + run.leftCorrupt : 0;
  });
  gauge('dfs_scrub_last_finished_seconds', 'when the last scrub finished (Unix time; 0 before the first)', () => {
    const finished = lastScrub()?.finishedAt;
    return finished ? Date.parse(finished) / 1000 : 0;
  });
}
