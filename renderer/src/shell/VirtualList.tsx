// Renders only the rows in view (plus a few either side) of a fixed-row-height list, so 100,000
// rows scroll as smoothly as 100. The caller positions nothing: each row gets its `top`.
import { useEffect, useLayoutEffect, useRef, useState, type AriaRole, type ReactNode } from 'react';

/** Used until the container can be measured (first paint, or environments without layout). */
const FALLBACK_VIEWPORT_PX = 480;

export interface VisibleRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

export interface VirtualListProps<T> {
  readonly items: readonly T[];
  readonly rowHeight: number;
  readonly renderRow: (item: T, index: number, top: number) => ReactNode;
  readonly role?: AriaRole;
  readonly label?: string;
  readonly className?: string;
  readonly overscan?: number;
  /** Keep the view pinned to the newest row while the user has not scrolled up (log tails). */
  readonly followTail?: boolean;
  readonly onRangeChange?: (range: VisibleRange) => void;
}

export function VirtualList<T>({ items, rowHeight, renderRow, role, label, className, overscan = 6, followTail = false, onRangeChange }: VirtualListProps<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(FALLBACK_VIEWPORT_PX);
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const measure = () => setViewport(element.clientHeight > 0 ? element.clientHeight : FALLBACK_VIEWPORT_PX);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const element = ref.current;
    if (!followTail || element === null || !atBottom.current) return;
    element.scrollTop = element.scrollHeight;
    setScrollTop(element.scrollTop);
    // `items`, not its length: a full log buffer keeps its length while its newest line changes.
  }, [followTail, items]);

  // Clamped: after the list shrinks, the last scroll position may lie past its end.
  const top = Math.min(scrollTop, Math.max(0, items.length * rowHeight - viewport));
  const start = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const end = Math.min(items.length, Math.ceil((top + viewport) / rowHeight) + overscan);

  useEffect(() => {
    onRangeChange?.({ start, end });
  }, [start, end, onRangeChange]);

  const rows: ReactNode[] = [];
  for (let index = start; index < end; index += 1) rows.push(renderRow(items[index] as T, index, index * rowHeight));

  return (
    <div
      ref={ref}
      role={role}
      aria-label={label}
      className={`vlist${className === undefined ? '' : ` ${className}`}`}
      tabIndex={0}
      onScroll={(e) => {
        const element = e.currentTarget;
        atBottom.current = element.scrollTop + element.clientHeight >= element.scrollHeight - rowHeight;
        setScrollTop(element.scrollTop);
      }}
    >
      <div className="vlist-inner" style={{ height: items.length * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
