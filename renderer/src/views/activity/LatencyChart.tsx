import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { decimalTicks } from '../../format/byte-ticks';
import { formatLatency, formatMsTick } from '../../format/units';
import { nodeIdsIn } from '../../store/chart-window';
import { ChartCard, leaderChangeLines, useChartWindow, seriesColour, timeAxisProps, tooltipStyle, valueAxisProps } from '../../shell/chart-kit';

export function LatencyChart() {
  const { samples, marks, spanMs } = useChartWindow();
  const nodeIds = useMemo(() => nodeIdsIn(samples, (s) => s.latencyP95ByNode), [samples]);
  const data = useMemo(
    () => samples.map((s) => ({ time: s.time, p50: s.latencyP50Ms, p95: s.latencyP95Ms, ...Object.fromEntries(nodeIds.map((id) => [`n${id}`, s.latencyP95ByNode[id] ?? null])) })),
    [samples, nodeIds],
  );
  const ticks = useMemo(() => decimalTicks(Math.max(0, ...samples.flatMap((s) => [s.latencyP50Ms ?? 0, s.latencyP95Ms ?? 0, ...Object.values(s.latencyP95ByNode).map((v) => v ?? 0)]))), [samples]);
  return (
    <ChartCard title="Request latency" description="How long nodes take to answer requests, over each node's last 1024: the highest median (p50) and p95 among the nodes, and each node's own p95 (dashed).">
      <LineChart data={data}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} ticks={ticks} domain={[0, ticks.at(-1) ?? 0]} tickFormatter={(v: number) => formatMsTick(v, ticks.at(-1) ?? 0)} />
        <Tooltip {...tooltipStyle} formatter={(v) => (typeof v === 'number' ? formatLatency(v) : String(v))} />
        <Legend />
        <Line type="monotone" dataKey="p50" name="p50" stroke={seriesColour(0)} dot={false} connectNulls isAnimationActive={false} />
        <Line type="monotone" dataKey="p95" name="p95" stroke={seriesColour(1)} dot={false} connectNulls isAnimationActive={false} />
        {nodeIds.map((id, i) => (
          <Line key={id} type="monotone" dataKey={`n${id}`} name={`Node ${id} p95`} stroke={seriesColour(i + 2)} strokeDasharray="4 2" dot={false} connectNulls isAnimationActive={false} />
        ))}
        {leaderChangeLines(marks, spanMs)}
      </LineChart>
    </ChartCard>
  );
}
