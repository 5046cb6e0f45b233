import { useApp } from '../../store/context';
import { CommitChart } from './CommitChart';
import { LagChart } from './LagChart';
import { LatencyChart } from './LatencyChart';
import { LeaderChangeList } from './LeaderChangeList';
import { ThroughputChart } from './ThroughputChart';

export function ActivityView() {
  const sampleCount = useApp((s) => s.metrics.samples.length);
  return (
    <div className="stack">
      <p className="muted" style={{ margin: 0 }}>
        The last ten minutes, one point per second{sampleCount < 2 ? ' — collecting the first points…' : '.'}
      </p>
      <div className="chart-grid">
        <ThroughputChart />
        <LatencyChart />
        <CommitChart />
        <LagChart />
      </div>
      <LeaderChangeList />
    </div>
  );
}
