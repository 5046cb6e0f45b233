import { NO_NODES } from '../../store/cluster-derive';
import { useApp } from '../../store/context';
import { CatchUpCard } from './CatchUpCard';
import { RecoveryHistory } from './RecoveryHistory';

export function RecoveryView() {
  const nodes = useApp((s) => s.snapshot?.nodes ?? NO_NODES);
  return (
    <div className="stack">
      {nodes.length === 0 ? (
        <p className="empty">No nodes to show.</p>
      ) : (
        <div className="grid-cards">
          {[...nodes]
            .sort((a, b) => a.id - b.id)
            .map((node) => (
              <CatchUpCard key={node.id} node={node} />
            ))}
        </div>
      )}
      <RecoveryHistory />
    </div>
  );
}
