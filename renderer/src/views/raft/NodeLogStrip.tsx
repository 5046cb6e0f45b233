// One node's log as a strip of entries (newest on the right), each coloured and labelled by the
// term that wrote it, as the node reports in `logTerms`; faded entries are not committed yet,
// grey ones were compacted into a snapshot.
import type { NodeStatus } from '../../../../node-runtime/common/api-types';
import type { ManagedNode } from '../../../../node-runtime/common/manager-api';
import { termColour } from './term-colour';

/** The term of entry `index`, or null when the node did not report it (compacted, or older than its window). */
function termAt(status: NodeStatus, index: number): number | null {
  return status.logTerms.find((run) => index >= run.from && index <= run.to)?.term ?? null;
}

export function NodeLogStrip({ node, from, to }: { node: ManagedNode; from: number; to: number }) {
  const status = node.report?.status;
  const cells = [];
  for (let index = from; index <= to; index += 1) {
    if (status === undefined || index > status.lastIndex) {
      cells.push(<span key={index} className="log-cell log-cell-empty" />);
      continue;
    }
    const term = termAt(status, index);
    const compacted = index <= status.snapshotIndex;
    const committed = index <= status.commitIndex;
    const what = term !== null ? `term ${term}` : compacted ? 'compacted into a snapshot' : 'term not reported';
    cells.push(
      <span
        key={index}
        className="log-cell"
        data-index={index}
        data-committed={committed}
        data-compacted={compacted}
        style={{ background: termColour(term) }}
        title={`Index ${index}, ${what}${committed ? ', committed' : ', not committed yet'}`}
      >
        {term}
      </span>,
    );
  }
  const label =
    status === undefined
      ? `Node ${node.id} log: unknown (unreachable)`
      : `Node ${node.id} log: last index ${status.lastIndex}, committed up to ${status.commitIndex}, applied up to ${status.appliedIndex}`;
  return (
    <div className="row" role="group" aria-label={label}>
      <span>N{node.id}</span>
      <div className="log-strip">{cells}</div>
      <span className="num muted">{status === undefined ? '—' : `last ${status.lastIndex} · commit ${status.commitIndex}`}</span>
    </div>
  );
}
