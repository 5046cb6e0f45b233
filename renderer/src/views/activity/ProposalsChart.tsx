import { useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount } from '../../format/units';
import { ChartCard, leaderChangeLines, useChartWindow, seriesColour, timeAxisProps, tooltipStyle, valueAxisProps } from '../../shell/chart-kit';

const perSecond = (v: unknown) => (typeof v === 'number' ? `${formatCount(Math.round(v * 10) / 10)}/s` : String(v));

export function ProposalsChart() {
  const { samples, marks, spanMs } = useChartWindow();
  const data = useMemo(() => samples.map((s) => ({ time: s.time, committed: s.proposalsCommittedPerSec, failed: s.proposalsFailedPerSec })), [samples]);
  return (
    <ChartCard
      wide
      title="Proposals"
      description="Changes per second the nodes proposed to the Raft log: committed (a write the state machine refused, over the quota say, still committed), and failed — never committed because the leader changed or no majority answered in time."
    >
      <ComposedChart data={data}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis {...timeAxisProps} />
        <YAxis {...valueAxisProps} allowDecimals={false} tickFormatter={(v: number) => formatCount(v)} />
        <Tooltip {...tooltipStyle} formatter={perSecond} />
        <Legend />
        <Area type="monotone" dataKey="committed" name="Committed" stroke={seriesColour(2)} fill={seriesColour(2)} fillOpacity={0.2} isAnimationActive={false} />
        <Line type="monotone" dataKey="failed" name="Failed" stroke="var(--bad)" dot={false} isAnimationActive={false} />
        {leaderChangeLines(marks, spanMs)}
      </ComposedChart>
    </ChartCard>
  );
}
