import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMs } from '../../format/units';
import { ChartCard, leaderChangeLines, seriesColour, timeAxisProps, tooltipStyle, valueAxisProps } from '../../shell/chart-kit';
import { useApp } from '../../store/context';

export function LatencyChart() {
  const samples = useApp((s) => s.metrics.samples);
  const marks = useApp((s) => s.metrics.leaderChanges);
  const data = useMemo(() => samples.map((s) => ({ time: s.time, mean: s.latencyMeanMs, max: s.latencyMaxMs })), [samples]);
  return (
    <ChartCard title="Request latency" description="Round trip of this dashboard's requests to the cluster (listing, file info, commands), per second.">
      <LineChart data={data}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} tickFormatter={(v: number) => formatMs(v)} />
        <Tooltip {...tooltipStyle} formatter={(v) => (typeof v === 'number' ? formatMs(v) : String(v))} />
        <Legend />
        <Line type="monotone" dataKey="mean" name="Mean" stroke={seriesColour(0)} dot={false} connectNulls isAnimationActive={false} />
        <Line type="monotone" dataKey="max" name="Worst" stroke={seriesColour(1)} dot={false} connectNulls isAnimationActive={false} />
        {leaderChangeLines(marks)}
      </LineChart>
    </ChartCard>
  );
}
