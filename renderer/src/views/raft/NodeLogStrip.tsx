// One node's log as a strip of entries (newest on the right), each coloured and labelled by the
// term that wrote it; faded entries are not committed yet, grey ones were compacted into a snapshot.
import type { ManagedNode } from '../../../../node-runtime/common/manager-api';
import type { TermSpan } from '../../store/state';
import { termColour } from './term-colour';

function termAt(spans: readonly TermSpan[], index: number): number | null {
  const span = spans.find((s) => index >= s.from && index <= s.to);
  return span === undefined || span.term < 0 ? null : span.term;
}

export function NodeLogStrip({ node, spans, from, to }: { node: ManagedNode; spans: readonly TermSpan[]; from: number; to: number }) {
  const status = node.report?.status;
  const cells = [];
  for (let index = from; index <= to; index += 1) {
    if (status === undefined || index > status.lastIndex) {
      cells.push(<span key={index} className="log-cell log-cell-empty" />);
      continue;
    }
    const term = termAt(spans, index);
    cells.push(
      <span
        key={index}
        className="log-cell"
        data-committed={index <= status.commitIndex}
        data-compacted={index <= status.snapshotIndex}
        style={{ background: termColour(term) }}
        title={`Index ${index}, ${term === null ? 'term not seen by the dashboard' : `term ${term}`}${index <= status.commitIndex ? ', committed' : ', not committed yet'}`}
      >
        {term ?? '?'}
      </span>,
    );
  }
  const label =
    status === undefined
      ? `Node ${node.id} log: unknown (unreachable)`
      : `Node ${node.id} log: last index ${status.lastIndex}, committed up to ${status.commitIndex}, applied up to ${status.appliedIndex}`;
  return (
    <div className="row" role="group" aria-label={label}>
      <span style={{ width: '6ch' }}>N{node.id}</span>
      <div className="log-strip">{cells}</div>
      <span className="num muted">{status === undefined ? '—' : `last ${status.lastIndex} · commit ${status.commitIndex}`}</span>
    </div>
  );
}
