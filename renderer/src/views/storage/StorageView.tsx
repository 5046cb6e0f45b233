import { Suspense, lazy } from 'react';
import { useApp } from '../../store/context';
import { BackupPanel } from './BackupPanel';
import { NodeDiskTable } from './NodeDiskTable';
import { QuotaGauge } from './QuotaGauge';

// The charts library loads with the first chart shown, not with the dashboard.
const UsageChart = lazy(() => import('./UsageChart').then((m) => ({ default: m.UsageChart })));

export function StorageView() {
  const canOpenDataFolder = useApp((s) => s.canOpenDataFolder);
  const openDataFolder = useApp((s) => s.openDataFolder);
  return (
    <div className="stack">
      {canOpenDataFolder && (
        <div className="row">
          <span className="spacer" />
          <button type="button" className="btn" onClick={openDataFolder}>
            Open data folder
          </button>
        </div>
      )}
      <section className="card" aria-label="Quota">
        <QuotaGauge />
      </section>
      <section className="card" aria-label="Nodes' disks">
        <h2>Disk use per node</h2>
        <NodeDiskTable />
      </section>
      <BackupPanel />
      <Suspense fallback={<div className="card chart-card" aria-busy="true" />}>
        <UsageChart />
      </Suspense>
    </div>
  );
}
