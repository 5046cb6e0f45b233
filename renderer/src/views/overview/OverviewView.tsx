// Every node as a card, plus cluster-wide actions (add a node, heal all partitions) and how to
// connect S3 tools.
import { useApp } from '../../store/context';
import { ClusterProfiles } from './ClusterProfiles';
import { ConnectTool } from './ConnectTool';
import { NodeCard } from './NodeCard';

export function OverviewView() {
  const snapshot = useApp((s) => s.snapshot);
  const pending = useApp((s) => s.pendingCommands);
  const addNode = useApp((s) => s.addNode);
  const healAll = useApp((s) => s.healAllPartitions);

  if (snapshot === null) return <p className="empty">Waiting for the first report from the cluster manager…</p>;
  const partitioned = snapshot.nodes.some((n) => n.partitionedFrom.length > 0);
  const nodes = [...snapshot.nodes].sort((a, b) => a.id - b.id);

  return (
    <div className="stack">
      <div className="row">
        <h2>Nodes</h2>
        <span className="spacer" />
        {partitioned && (
          <button type="button" className="btn" disabled={pending['cluster:heal'] === true} onClick={() => void healAll()}>
            Heal all partitions
          </button>
        )}
        {snapshot.mode === 'local' && (
          <button type="button" className="btn btn-primary" disabled={pending['cluster:addNode'] === true} onClick={() => void addNode()}>
            {pending['cluster:addNode'] === true ? 'Adding node…' : 'Add node'}
          </button>
        )}
      </div>
      {nodes.length === 0 ? (
        <div className="empty card">
          <p>This cluster has no nodes yet.</p>
          {snapshot.mode === 'local' && <p>Use “Add node” to start one.</p>}
        </div>
      ) : (
        <div className="grid-cards">
          {nodes.map((node) => (
            <NodeCard key={node.id} node={node} />
          ))}
        </div>
      )}
      <ConnectTool />
      <ClusterProfiles />
    </div>
  );
}
