// One node at a glance: role, Raft progress, how far it trails the leader, and its process.
import type { ManagedNode, ProcessInfo } from '../../../../node-runtime/common/manager-api';
import { formatCount, formatDuration, formatMs } from '../../format/units';
import { Explained } from '../../shell/Explained';
import { contactAgeMs, entriesBehindLeader, isCutOff } from '../../store/cluster-derive';
import { useApp } from '../../store/context';
import { useShownNow } from '../../shell/useNow';
import { CapacityBar } from '../../shell/CapacityBar';
import { NodeControls } from './NodeControls';
import { ProcessBadge } from './ProcessBadge';
import { RoleBadge } from './RoleBadge';

function portOf(address: string | null): string {
  if (address === null) return '—';
  const match = /:(\d+)(?:\/.*)?$/.exec(address);
  return match?.[1] ?? address;
}

function describeProcess(process: ProcessInfo | null): string {
  if (process === null) return 'remote (not run by this app)';
  const pid = process.pid === null ? null : `pid ${process.pid}`;
  // While running, the reason is only how it got there; otherwise it is what the user needs.
  if (process.state === 'running') return pid ?? 'running';
  return [process.reason === '' ? process.state : process.reason, pid].filter((p) => p !== null).join(' · ');
}

export function NodeCard({ node }: { node: ManagedNode }) {
  const snapshot = useApp((s) => s.snapshot);
  const now = useShownNow();
  const isLeader = snapshot?.leaderId === node.id;
  const status = node.report?.status;
  const behind = entriesBehindLeader(snapshot, node);
  const contact = isLeader ? null : contactAgeMs(snapshot, node, now);
  const process = node.process;

  return (
    <section aria-label={`Node ${node.id}`} className="card node-card" data-leader={isLeader} data-reachable={node.reachable}>
      <div className="node-card-head">
        <h3>Node {node.id}</h3>
        <RoleBadge node={node} />
        {snapshot !== null && isCutOff(snapshot, node.id) && (
          <span className="pill pill-warn" title={`Cut off from node ${node.partitionedFrom.join(', ')}`}>
            <Explained term="partition">Isolated</Explained>
          </span>
        )}
        <span className="spacer" />
        <ProcessBadge process={process} />
      </div>
      <dl className="facts">
        <dt><Explained term="term">Term</Explained></dt>
        <dd>{status === undefined ? '—' : formatCount(status.term)}</dd>
        <dt><Explained term="commitIndex">Commit</Explained> / <Explained term="appliedIndex">applied</Explained></dt>
        <dd>{status === undefined ? '—' : `${formatCount(status.commitIndex)} / ${formatCount(status.appliedIndex)}`}</dd>
        <dt><Explained term="trailing">Behind leader</Explained></dt>
        <dd>{isLeader ? '—' : behind === null ? 'unknown' : behind === 0 ? 'up to date' : `${formatCount(behind)} entries`}</dd>
        <dt><Explained term="lastContact">Last contact</Explained></dt>
        <dd>{contact === null ? '—' : `${formatMs(contact)} ago`}</dd>
        <dt>Answering</dt>
        <dd title={node.reachable ? undefined : 'Not answering: the values above are the last it reported.'}>
          {node.reachable ? 'yes' : node.report === null ? 'never answered' : `no — last answer ${formatDuration(now - node.report.receivedAt)} ago`}
        </dd>
        <dt>Process</dt>
        <dd>{describeProcess(process)}</dd>
        <dt>Ports</dt>
        <dd>
          API {portOf(node.httpUrl)} · peer {portOf(node.peerAddress)}
          {status?.s3Url ? <span title={`S3 endpoint: ${status.s3Url}`}> · S3 {portOf(status.s3Url)}</span> : null}
        </dd>
        <dt>Disk</dt>
        <dd><CapacityBar node={node} /></dd>
        <dt>Uptime</dt>
        <dd>{process?.startedAt == null ? '—' : formatDuration(now - process.startedAt)}</dd>
        <dt>Restarts</dt>
        <dd>{process === null ? '—' : formatCount(process.restarts)}</dd>
        {node.partitionedFrom.length > 0 && (
          <>
            <dt><Explained term="partition">Cut off from</Explained></dt>
            <dd>node {[...node.partitionedFrom].sort((a, b) => a - b).join(', ')}</dd>
          </>
        )}
      </dl>
      <NodeControls node={node} isLeader={isLeader} />
    </section>
  );
}
