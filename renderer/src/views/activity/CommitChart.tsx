import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount } from '../../format/units';
import { ChartCard, leaderChangeLines, useChartWindow, seriesColour, timeAxisProps, tooltipStyle, valueAxisProps } from '../../shell/chart-kit';

export function CommitChart() {
  const { samples, marks, spanMs } = useChartWindow();
  const data = useMemo(() => samples.map((s) => ({ time: s.time, commit: s.leaderCommit })), [samples]);
  return (
    <ChartCard title="Commit index" description="The leader's commit index: every step up is a change a majority has stored. Dashed lines mark leader changes.">
      <LineChart data={data}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis {...timeAxisProps} />
        {/* 'auto' widens the range to round ticks around the data; 'dataMax' ended on the index itself (2 / 4 / 6 / 7). */}
        <YAxis {...valueAxisProps} domain={['auto', 'auto']} allowDecimals={false} tickFormatter={(v: number) => formatCount(v)} />
        <Tooltip {...tooltipStyle} />
        <Line type="stepAfter" dataKey="commit" name="Commit index" stroke={seriesColour(2)} dot={false} connectNulls={false} isAnimationActive={false} />
        {leaderChangeLines(marks, spanMs)}
      </LineChart>
    </ChartCard>
  );
}
