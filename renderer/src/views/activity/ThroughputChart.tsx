import { useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from 'recharts';
import { nodeIdsIn } from '../../store/chart-window';
import { byteAxis } from '../../format/byte-ticks';
import { formatRate } from '../../format/units';
import { ChartCard, leaderChangeLines, useChartWindow, seriesColour, timeAxisProps, tooltipStyle, valueAxisProps } from '../../shell/chart-kit';

export function ThroughputChart() {
  const { samples, marks, spanMs } = useChartWindow();
  const nodeIds = useMemo(() => nodeIdsIn(samples, (s) => s.throughputByNode), [samples]);
  const data = useMemo(
    () => samples.map((s) => ({ time: s.time, upload: s.uploadBytesPerSec, download: s.downloadBytesPerSec, ...Object.fromEntries(nodeIds.map((id) => [`n${id}`, s.throughputByNode[id] ?? null])) })),
    [samples, nodeIds],
  );
  const axis = useMemo(() => byteAxis(Math.max(0, ...data.map((d) => d.upload + d.download))), [data]);
  return (
    <ChartCard title="Client throughput" description="Bytes per second clients uploaded to and downloaded from the cluster (areas), and through each node (dashed), as the nodes count them.">
      <ComposedChart data={data}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} ticks={axis.ticks} domain={[0, axis.ticks.at(-1) ?? 0]} tickFormatter={(v: number) => `${axis.label(v)}/s`} width={80} />
        <Tooltip {...tooltipStyle} formatter={(v) => (typeof v === 'number' ? formatRate(v) : String(v))} />
        <Legend />
        <Area type="monotone" dataKey="upload" name="Upload" stroke={seriesColour(0)} fill={seriesColour(0)} fillOpacity={0.2} isAnimationActive={false} />
        <Area type="monotone" dataKey="download" name="Download" stroke={seriesColour(1)} fill={seriesColour(1)} fillOpacity={0.2} isAnimationActive={false} />
        {nodeIds.map((id, i) => (
          <Line key={id} type="monotone" dataKey={`n${id}`} name={`Node ${id}`} stroke={seriesColour(i + 2)} strokeDasharray="4 2" dot={false} connectNulls isAnimationActive={false} />
        ))}
        {leaderChangeLines(marks, spanMs)}
      </ComposedChart>
    </ChartCard>
  );
}
