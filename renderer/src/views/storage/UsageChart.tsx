// Stored bytes over the last minutes: the cluster total and each node's disk use.
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { byteAxis } from '../../format/byte-ticks';
import { formatBytes } from '../../format/units';
import { ChartCard, leaderChangeLines, useChartWindow, seriesColour, timeAxisProps, tooltipStyle, valueAxisProps } from '../../shell/chart-kit';
import { useMemo } from 'react';

export function UsageChart() {
  const { samples, marks, spanMs } = useChartWindow();
  const nodeIds = useMemo(() => [...new Set(samples.flatMap((s) => Object.keys(s.bytesOnDiskByNode).map(Number)))].sort((a, b) => a - b), [samples]);
  const data = useMemo(
    () => samples.map((s) => ({ time: s.time, total: s.totalSize, ...Object.fromEntries(nodeIds.map((id) => [`n${id}`, s.bytesOnDiskByNode[id] ?? null])) })),
    [samples, nodeIds],
  );
  const axis = useMemo(() => byteAxis(Math.max(0, ...samples.flatMap((s) => [s.totalSize ?? 0, ...Object.values(s.bytesOnDiskByNode)]))), [samples]);
  return (
    <ChartCard title="Storage over time" description="Logical bytes stored in the cluster, and bytes on each node's disk.">
      <LineChart data={data}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} ticks={axis.ticks} domain={[0, axis.ticks.at(-1) ?? 0]} tickFormatter={(v: number) => axis.label(v)} />
        <Tooltip {...tooltipStyle} formatter={(v) => (typeof v === 'number' ? formatBytes(v) : String(v))} />
        <Legend />
        <Line type="monotone" dataKey="total" name="Cluster (logical)" stroke={seriesColour(0)} dot={false} isAnimationActive={false} />
        {nodeIds.map((id, i) => (
          <Line key={id} type="monotone" dataKey={`n${id}`} name={`Node ${id} disk`} stroke={seriesColour(i + 1)} dot={false} isAnimationActive={false} />
        ))}
        {leaderChangeLines(marks, spanMs)}
      </LineChart>
    </ChartCard>
  );
}
