// One node's recovery: log entries still to replay, snapshot transfer, missing chunks, scrub.
import type { ManagedNode } from '../../../../node-runtime/common/manager-api';
import { formatBytes, formatCount, formatDuration } from '../../format/units';
import { Explained } from '../../shell/Explained';
import { ProgressBar } from '../../shell/ProgressBar';
import { entriesBehindLeader, leaderOf } from '../../store/cluster-derive';
import { useApp } from '../../store/context';
import { BackgroundServices } from './BackgroundServices';
import { ScrubStatus } from './ScrubStatus';

/** The state pill: a node that is down, or that the leader has not confirmed up to date, is not "in sync". */
function SyncPill({ node, catchingUp, entriesBehind }: { node: ManagedNode; catchingUp: boolean; entriesBehind: number }) {
  if (!node.reachable) return <span className="pill pill-neutral">Down</span>;
  if (catchingUp) return <span className="pill pill-warn">Catching up</span>;
  if (entriesBehind > 0) return <span className="pill pill-warn">Behind</span>;
  return <span className="pill pill-ok">In sync</span>;
}

export function CatchUpCard({ node }: { node: ManagedNode }) {
  const leaderCommit = useApp((s) => leaderOf(s.snapshot)?.report?.status.commitIndex ?? null);
  // The node's own count can be stale (it is down) or blind (it has not heard of newer entries).
  const leaderSays = useApp((s) => entriesBehindLeader(s.snapshot, node) ?? 0);
  const recovery = node.report?.recovery ?? null;
  const label = `Node ${node.id}`;
  if (recovery === null) {
    return (
      <section className="card" aria-label={`Recovery of node ${node.id}`}>
        <h3>{label}</h3>
        <p className="muted">{node.reachable ? 'No recovery report yet.' : 'Unreachable — recovery starts when it is back.'}</p>
      </section>
    );
  }
  const applied = node.report?.status.appliedIndex ?? 0;
  const entriesBehind = Math.max(recovery.entriesBehind, leaderSays);
  const logTarget = leaderCommit ?? applied + entriesBehind;
  const chunkTotal = recovery.chunksFetched + recovery.chunksMissing;
  const snap = recovery.snapshot;

  return (
    <section className="card stack" aria-label={`Recovery of node ${node.id}`}>
      <div className="row">
        <h3>{label}</h3>
        <SyncPill node={node} catchingUp={recovery.catchingUp} entriesBehind={entriesBehind} />
        {!recovery.recoveryEnabled && <span className="pill pill-neutral" title="recoveryEnabled is off in the configuration">Recovery off</span>}
        <span className="spacer" />
        {recovery.etaSec !== null && <span className="num muted">about {formatDuration(recovery.etaSec * 1000)} left</span>}
      </div>
      <div>
        <div className="row">
          <span>Log entries</span>
          <span className="spacer" />
          <span className="num">{entriesBehind === 0 ? 'none behind' : `${formatCount(entriesBehind)} behind`}</span>
        </div>
        <ProgressBar label={`Log catch-up of node ${node.id}`} value={Math.min(applied, logTarget)} max={Math.max(1, logTarget)} valueText={`${formatCount(entriesBehind)} entries behind`} tone={entriesBehind === 0 ? 'ok' : undefined} />
      </div>
      <div>
        <div className="row">
          <Explained term="snapshot">Snapshot transfer</Explained>
          <span className="spacer" />
          <span className="num">
            {snap.inProgress ? `${formatBytes(snap.bytesReceived)}${snap.bytesTotal === null ? '' : ` of ${formatBytes(snap.bytesTotal)}`}` : 'none in progress'}
          </span>
        </div>
        <ProgressBar
          label={`Snapshot transfer to node ${node.id}`}
          value={snap.inProgress ? (snap.bytesTotal === null ? null : snap.bytesReceived) : 0}
          max={Math.max(1, snap.bytesTotal ?? 1)}
        />
      </div>
      <div>
        <div className="row">
          <span>Chunks fetched</span>
          <span className="spacer" />
          <span className="num">
            {formatCount(recovery.chunksFetched)} of {formatCount(chunkTotal)} · {formatBytes(recovery.bytesFetched)}
          </span>
        </div>
        <ProgressBar label={`Chunks fetched by node ${node.id}`} value={recovery.chunksFetched} max={Math.max(1, chunkTotal)} tone={recovery.chunksMissing === 0 ? 'ok' : undefined} />
      </div>
      <ScrubStatus nodeId={node.id} scrub={recovery.scrub} chunksOnDisk={node.report?.stats?.chunkCount ?? null} />
      <BackgroundServices nodeId={node.id} services={recovery.backgroundServices} />
    </section>
  );
}
