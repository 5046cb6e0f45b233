// The cluster in one line: health, leader and term, how many failures it can still take.
import { Explained } from '../../shell/Explained';
import { isCutOff, leaderOf } from '../../store/cluster-derive';
import { useApp } from '../../store/context';

const HEALTH = {
  healthy: { text: 'Healthy', tone: 'pill-ok' },
  degraded: { text: 'Degraded', tone: 'pill-warn' },
  electing: { text: 'Electing a leader', tone: 'pill-warn' },
  noQuorum: { text: 'No quorum', tone: 'pill-bad' },
} as const;

export function ClusterHeadline() {
  const snapshot = useApp((s) => s.snapshot);
  const lost = useApp((s) => s.connection.status === 'lost');
  if (snapshot === null) return <span className="muted">No cluster data yet</span>;
  const health = lost ? { text: 'Unknown', tone: 'pill-neutral' } : HEALTH[snapshot.health];
  const term = leaderOf(snapshot)?.report?.status.term;
  // A node cut off from the others answers the manager but is of no use to the cluster: not "up".
  const up = snapshot.nodes.filter((n) => n.reachable && !isCutOff(snapshot, n.id)).length;
  const cutOff = snapshot.nodes.filter((n) => n.reachable && isCutOff(snapshot, n.id)).length;
  return (
    <div className="headline" role="group" aria-label="Cluster status">
      <span
        className={`pill headline-health ${health.tone}`}
        role="status"
        aria-label={`Cluster ${health.text}`}
        title={lost ? `Last known: ${HEALTH[snapshot.health].text.toLowerCase()} — the manager is not answering` : undefined}
      >
        {health.text}
      </span>
      <span className="num headline-leader">
        {snapshot.leaderId === null ? 'No leader' : `Leader: node ${snapshot.leaderId}`}
        {term === undefined ? '' : ` · `}
        {term !== undefined && <Explained term="term">term {term}</Explained>}
      </span>
      <span className="num headline-nodes">
        {up} of {snapshot.nodes.length} nodes up{cutOff > 0 ? ` · ${cutOff} cut off` : ''}
      </span>
      <span className="num">
        <Explained term="faultTolerance">
          Tolerates {snapshot.faultTolerance} more {snapshot.faultTolerance === 1 ? 'failure' : 'failures'}
        </Explained>
      </span>
      {snapshot.mode === 'attach' && <span className="pill pill-neutral">Attached: {snapshot.profile}</span>}
    </div>
  );
}
