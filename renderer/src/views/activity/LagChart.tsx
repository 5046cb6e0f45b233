import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount } from '../../format/units';
import { ChartCard, leaderChangeLines, useChartWindow, seriesColour, timeAxisProps, tooltipStyle, valueAxisProps } from '../../shell/chart-kit';

export function LagChart() {
  const { samples, marks, spanMs } = useChartWindow();
  const nodeIds = useMemo(() => [...new Set(samples.flatMap((s) => Object.keys(s.lagByNode).map(Number)))].sort((a, b) => a - b), [samples]);
  const data = useMemo(
    () => samples.map((s) => ({ time: s.time, ...Object.fromEntries(nodeIds.map((id) => [`n${id}`, s.lagByNode[id] ?? null])) })),
    [samples, nodeIds],
  );
  return (
    <ChartCard title="Replication lag" description="Log entries each follower still lacks compared with the leader.">
      <LineChart data={data}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} allowDecimals={false} tickFormatter={(v: number) => formatCount(v)} />
        <Tooltip {...tooltipStyle} />
        <Legend />
        {nodeIds.map((id, i) => (
          <Line key={id} type="monotone" dataKey={`n${id}`} name={`Node ${id}`} stroke={seriesColour(i)} dot={false} isAnimationActive={false} />
        ))}
        {leaderChangeLines(marks, spanMs)}
      </LineChart>
    </ChartCard>
  );
}
