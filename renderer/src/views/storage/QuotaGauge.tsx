// How much of the cluster quota is used.
import { overQuotaWarning } from '../../format/quota-warning';
import { formatBytes, formatPercent } from '../../format/units';
import { Explained } from '../../shell/Explained';
import { ProgressBar } from '../../shell/ProgressBar';
import { leaderOf } from '../../store/cluster-derive';
import { useApp } from '../../store/context';

export function QuotaGauge() {
  const stats = useApp((s) => (leaderOf(s.snapshot) ?? s.snapshot?.nodes.find((n) => n.report?.stats != null))?.report?.stats ?? null);
  if (stats === null) return <p className="muted">No node has reported its storage yet.</p>;
  const tone = stats.quotaUsed >= 0.95 ? 'bad' : stats.quotaUsed >= 0.8 ? 'warn' : 'ok';
  const over = overQuotaWarning(stats.totalSize, stats.quotaLimit);
  return (
    <div className="gauge">
      <div className="row">
        <h3>
          <Explained term="quota">Cluster quota</Explained>
        </h3>
        <span className="spacer" />
        <span className="num">
          {formatBytes(stats.totalSize)} of {formatBytes(stats.quotaLimit)} · {formatPercent(stats.quotaUsed)}
        </span>
      </div>
      <ProgressBar
        label="Cluster quota used"
        value={Math.min(100, stats.quotaUsed * 100)}
        valueText={`${formatBytes(stats.totalSize)} of ${formatBytes(stats.quotaLimit)} (${formatPercent(stats.quotaUsed)})`}
        tone={tone}
      />
      <span className="muted num">
        {stats.totalFiles.toLocaleString('en-US')} files · {formatBytes(Math.max(0, stats.quotaLimit - stats.totalSize))} left
      </span>
      {over !== null && (
        <p className="setting-error" role="status">
          {over}
        </p>
      )}
    </div>
  );
}
