// The cluster over time: throughput, latency, commits, lag and proposals, in a chosen time range.
import { formatDuration } from '../../format/units';
import { useApp } from '../../store/context';
import { CHART_RANGES_MS } from '../../store/metrics-slice';
import { CommitChart } from './CommitChart';
import { LagChart } from './LagChart';
import { LatencyChart } from './LatencyChart';
import { LeaderChangeList } from './LeaderChangeList';
import { ProposalsChart } from './ProposalsChart';
import { ThroughputChart } from './ThroughputChart';

const rangeLabel = (ms: number) => (ms >= 3_600_000 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`);

function RangePicker() {
  const rangeMs = useApp((s) => s.metrics.rangeMs);
  const setRange = useApp((s) => s.setChartRange);
  return (
    <div role="radiogroup" aria-label="Time range" className="segmented">
      {CHART_RANGES_MS.map((ms) => (
        <button key={ms} type="button" role="radio" aria-checked={ms === rangeMs} className="btn btn-small" onClick={() => setRange(ms)}>
          {rangeLabel(ms)}
        </button>
      ))}
    </div>
  );
}

export function ActivityView() {
  const samples = useApp((s) => s.metrics.samples);
  const rangeMs = useApp((s) => s.metrics.rangeMs);
  const covered = samples.length < 2 ? 0 : (samples.at(-1)?.time ?? 0) - (samples[0]?.time ?? 0);
  return (
    <div className="stack">
      <div className="row">
        <p className="muted" style={{ margin: 0 }}>
          The last {rangeLabel(rangeMs)}, a point a second (5 s apart beyond 15 minutes back)
          {samples.length < 2 ? ' — collecting the first points…' : covered < rangeMs ? `; the history covers ${formatDuration(covered)} so far.` : '.'}
        </p>
        <span className="spacer" />
        <RangePicker />
      </div>
      <div className="chart-grid">
        <ThroughputChart />
        <LatencyChart />
        <CommitChart />
        <LagChart />
        <ProposalsChart />
      </div>
      <LeaderChangeList />
    </div>
  );
}
