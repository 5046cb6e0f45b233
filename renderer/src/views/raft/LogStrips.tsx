// Every node's log, entry by entry, in one strip per node that scrolls together: the newest
// entries on the right, the newest of them in view unless the user scrolled back through the
// older ones the nodes reported (their `logTerms` window), where it then stays.
import { useLayoutEffect, useRef } from 'react';
import { LOG_TERMS_WINDOW } from '../../../../node-runtime/common/api-types';
import type { ManagedNode } from '../../../../node-runtime/common/manager-api';
import { NodeLogStrip } from './NodeLogStrip';

/** The entries that fit without scrolling, at the least: the newest of them are always drawn. */
export const VISIBLE_ENTRIES = 24;

/** The newest index any node reported (0 before any did). */
function newestIndex(nodes: readonly ManagedNode[]): number {
  return Math.max(0, ...nodes.map((n) => n.report?.status.lastIndex ?? 0));
}

/** The indexes drawn: back as far as any node reported its entries' terms, up to the newest. */
export function logRange(nodes: readonly ManagedNode[]): { from: number; to: number } {
  const top = newestIndex(nodes);
  const reported = nodes.flatMap((n) => n.report?.status.logTerms.map((run) => run.from) ?? []);
  const oldest = Math.min(top - VISIBLE_ENTRIES + 1, Math.max(top - LOG_TERMS_WINDOW + 1, ...(reported.length === 0 ? [] : [Math.min(...reported)])));
  const from = Math.max(1, oldest);
  return { from, to: Math.max(from + VISIBLE_ENTRIES - 1, top) };
}

/**
 * The scroll offset that shows the newest entry: the strip's end (its "last · commit" too) once the
 * newest entry is the last box; while the log is young and empty boxes follow it, only as far as
 * brings it into view, or a narrow window would show nothing but empty boxes.
 */
function newestInView(el: HTMLElement, newest: number, to: number): number {
  const cell = newest < to ? el.querySelector<HTMLElement>(`.log-cell[data-index="${newest}"]`) : null;
  if (cell === null) return el.scrollWidth - el.clientWidth;
  const edge = cell.getBoundingClientRect().right - el.getBoundingClientRect().left + el.scrollLeft;
  return Math.max(0, edge - el.clientWidth);
}

export function LogStrips({ nodes, from, to }: { nodes: readonly ManagedNode[]; from: number; to: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const newest = newestIndex(nodes);
  /** Whether the newest entry is in view: then new ones scroll in, else the user's place holds. */
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el !== null && pinned.current) el.scrollLeft = newestInView(el, newest, to);
  }, [from, to, newest]);
  return (
    <div
      ref={scroller}
      className="log-scroller"
      role="group"
      aria-label={`Log entries ${from}–${to}, newest on the right; scroll back for older ones`}
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollLeft >= newestInView(el, newest, to) - 4;
      }}
    >
      {nodes.map((n) => (
        <NodeLogStrip key={n.id} node={n} from={from} to={to} />
      ))}
    </div>
  );
}
