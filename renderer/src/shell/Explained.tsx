// A term with its one-line explanation, shown on hover and on keyboard focus (a tooltip that
// Tab reaches), and read out by screen readers as the term's description.
import { useId, type ReactNode } from 'react';
import { EXPLAIN, type ExplainKey } from '../format/explain';

export function Explained({ term, children }: { term: ExplainKey; children: ReactNode }) {
  const id = useId();
  return (
    <span className="explained" tabIndex={0} aria-describedby={id}>
      {children}
      <span role="tooltip" id={id} className="explain-tip">
        {EXPLAIN[term]}
      </span>
    </span>
  );
}
