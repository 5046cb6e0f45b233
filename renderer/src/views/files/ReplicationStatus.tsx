// On which nodes a file is complete: one small box per node, filled where every chunk is held.
import { EXPLAIN } from '../../format/explain';
import { useApp } from '../../store/context';
import { useShallow } from 'zustand/react/shallow';

export function ReplicationStatus({ name }: { name: string }) {
  const detail = useApp((s) => s.files.details[name]);
  const nodeIds = useApp(useShallow((s) => (s.snapshot?.nodes ?? []).map((n) => n.id).sort((a, b) => a - b)));
  if (detail === undefined) return <span className="muted" aria-label="Replication status loading">…</span>;
  const completeOn = detail.completeOn;
  if (completeOn === undefined) {
    return (
      <span className="muted" title="The answering node did not say which nodes hold this file.">
        unknown
      </span>
    );
  }
  const complete = new Set(completeOn);
  const summary = `Complete on ${completeOn.length} of ${nodeIds.length} nodes${completeOn.length > 0 ? ` (node ${[...completeOn].sort((a, b) => a - b).join(', ')})` : ''}`;
  return (
    <span className="replicas" role="img" aria-label={summary} title={`${summary}. ${EXPLAIN.replication}`}>
      {nodeIds.map((id) => (
        <span key={id} className="replica" data-complete={complete.has(id)}>
          {id}
        </span>
      ))}
    </span>
  );
}
