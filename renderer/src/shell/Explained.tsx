// A term with its one-line explanation on hover.
import type { ReactNode } from 'react';
import { EXPLAIN, type ExplainKey } from '../format/explain';

export function Explained({ term, children }: { term: ExplainKey; children: ReactNode }) {
  return (
    <span className="explained" title={EXPLAIN[term]}>
      {children}
    </span>
  );
}
