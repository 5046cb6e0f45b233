import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import { formatRate } from '../../format/units';
import { ChartCard, leaderChangeLines, seriesColour, timeAxisProps, tooltipStyle, valueAxisProps } from '../../shell/chart-kit';
import { useApp } from '../../store/context';

export function ThroughputChart() {
  const samples = useApp((s) => s.metrics.samples);
  const marks = useApp((s) => s.metrics.leaderChanges);
  const data = useMemo(() => samples.map((s) => ({ time: s.time, upload: s.uploadBytesPerSec })), [samples]);
  return (
    <ChartCard title="Upload throughput" description="Bytes per second uploaded through the cluster manager (every client, not only this window).">
      <AreaChart data={data}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} tickFormatter={(v: number) => formatRate(v)} width={80} />
        <Tooltip {...tooltipStyle} formatter={(v) => (typeof v === 'number' ? formatRate(v) : String(v))} />
        <Area type="monotone" dataKey="upload" name="Upload" stroke={seriesColour(0)} fill={seriesColour(0)} fillOpacity={0.2} isAnimationActive={false} />
        {leaderChangeLines(marks)}
      </AreaChart>
    </ChartCard>
  );
}
