import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import { byteTicks } from '../../format/byte-ticks';
import { formatRate } from '../../format/units';
import { ChartCard, leaderChangeLines, seriesColour, timeAxisProps, tooltipStyle, valueAxisProps } from '../../shell/chart-kit';
import { useApp } from '../../store/context';

export function ThroughputChart() {
  const samples = useApp((s) => s.metrics.samples);
  const marks = useApp((s) => s.metrics.leaderChanges);
  const data = useMemo(() => samples.map((s) => ({ time: s.time, upload: s.uploadBytesPerSec, download: s.downloadBytesPerSec })), [samples]);
  const ticks = useMemo(() => byteTicks(Math.max(0, ...data.map((d) => d.upload + d.download))), [data]);
  return (
    <ChartCard title="Client throughput" description="Bytes per second every client uploaded to and downloaded from the cluster, as the nodes count them.">
      <AreaChart data={data}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} ticks={ticks} domain={[0, ticks.at(-1) ?? 0]} tickFormatter={(v: number) => formatRate(v)} width={80} />
        <Tooltip {...tooltipStyle} formatter={(v) => (typeof v === 'number' ? formatRate(v) : String(v))} />
        <Legend />
        <Area type="monotone" dataKey="upload" name="Upload" stroke={seriesColour(0)} fill={seriesColour(0)} fillOpacity={0.2} isAnimationActive={false} />
        <Area type="monotone" dataKey="download" name="Download" stroke={seriesColour(1)} fill={seriesColour(1)} fillOpacity={0.2} isAnimationActive={false} />
        {leaderChangeLines(marks)}
      </AreaChart>
    </ChartCard>
  );
}
