import { NodeDiskTable } from './NodeDiskTable';
import { QuotaGauge } from './QuotaGauge';
import { UsageChart } from './UsageChart';

export function StorageView() {
  return (
    <div className="stack">
      <section className="card" aria-label="Quota">
        <QuotaGauge />
      </section>
      <section className="card" aria-label="Nodes' disks">
        <h2>Disk use per node</h2>
        <NodeDiskTable />
      </section>
      <UsageChart />
    </div>
  );
}
