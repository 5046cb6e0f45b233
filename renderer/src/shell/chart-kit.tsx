// Shared pieces of the recharts time-series: colours, the time axis, leader-change markers.
import { cloneElement, useLayoutEffect, useMemo, useRef, useState, type ReactElement, type ReactNode } from 'react';
import { ReferenceLine } from 'recharts';
import { formatClock } from '../format/units';
import { chartWindow } from '../store/chart-window';
import { useApp } from '../store/context';
import type { LeaderChangeMark } from '../store/state';

/** The samples and leader changes of the chosen range, for one chart. */
export function useChartWindow() {
  const samples = useApp((s) => s.metrics.samples);
  const marks = useApp((s) => s.metrics.leaderChanges);
  const rangeMs = useApp((s) => s.metrics.rangeMs);
  const replayAt = useApp((s) => s.replay.at);
  return useMemo(() => {
    // Replaying: the charts end at the moment shown, as they did then.
    const shown = replayAt === null ? { samples, marks } : { samples: samples.filter((x) => x.time <= replayAt), marks: marks.filter((m) => m.time <= replayAt) };
    const window = chartWindow(shown.samples, shown.marks, rangeMs);
    // What the time axis spans (dataMin to dataMax), which label spacing is judged against.
    const spanMs = Math.max(1, (window.samples.at(-1)?.time ?? 0) - (window.samples[0]?.time ?? 0));
    return { ...window, spanMs };
  }, [samples, marks, rangeMs, replayAt]);
}

const SERIES_COLOURS = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)', 'var(--chart-5)'] as const;

export const seriesColour = (index: number) => SERIES_COLOURS[index % SERIES_COLOURS.length] as string;

export const timeAxisProps = {
  dataKey: 'time',
  type: 'number' as const,
  scale: 'time' as const,
  domain: ['dataMin', 'dataMax'] as [string, string],
  tickFormatter: (t: number) => formatClock(t),
  stroke: 'var(--text-muted)',
  fontSize: 11,
  minTickGap: 40,
};

export const valueAxisProps = { stroke: 'var(--text-muted)', fontSize: 11, width: 64 };

export const tooltipStyle = {
  contentStyle: { background: 'var(--surface)', border: '1px solid var(--border)', borderRadius: 6, color: 'var(--text)' },
  labelFormatter: (t: unknown) => (typeof t === 'number' ? formatClock(t) : String(t)),
};

/** Labels closer than this share of the time axis would print over each other. */
const LABEL_SPACING = 1 / 10;

/**
 * A vertical line on the time axis for each leader change; labelled with the new term and leader
 * unless the previous label is too close (the list below the charts names every one).
 */
export function leaderChangeLines(marks: readonly LeaderChangeMark[], spanMs: number): ReactNode[] {
  let lastLabelled = -Infinity;
  return marks.map((m) => {
    const labelled = m.time - lastLabelled >= spanMs * LABEL_SPACING;
    if (labelled) lastLabelled = m.time;
    const label = labelled ? { value: `T${m.term}${m.leaderId === null ? '' : ` → n${m.leaderId}`}`, position: 'insideTopLeft' as const, fill: 'var(--leader)', fontSize: 10 } : undefined;
    return <ReferenceLine key={`${m.time}-${m.term}`} x={m.time} stroke="var(--leader)" strokeDasharray="4 3" label={label} />;
  });
}

const CHART_HEIGHT = 220;
/** Used until the card can be measured (first paint, or environments without layout). */
const FALLBACK_CHART_WIDTH = 480;

/** The width of an element, following resizes. */
function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(FALLBACK_CHART_WIDTH);
  useLayoutEffect(() => {
    const element = ref.current;
    if (element === null || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (element.clientWidth > 0) setWidth(element.clientWidth);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

/** A titled chart card; the chart gets a fixed height so numbers updating never move the layout. */
/** `wide`: spans the whole chart grid (an odd chart out gets the row to itself instead of half of it). */
export function ChartCard({ title, description, wide = false, children }: { title: string; description: string; wide?: boolean; children: ReactElement<{ width?: number; height?: number }> }) {
  const { ref, width } = useWidth();
  return (
    <section className={wide ? 'card chart-card chart-wide' : 'card chart-card'} aria-label={title}>
      <h3>{title}</h3>
      <p className="muted" style={{ margin: '2px 0 8px' }}>
        {description}
      </p>
      <div ref={ref} style={{ width: '100%', height: CHART_HEIGHT }}>
        {cloneElement(children, { width, height: CHART_HEIGHT })}
      </div>
    </section>
  );
}
