// How full one node's disk is for the cluster: its data against the room it may use (data plus
// free space, less the reserve it never fills).
import type { ManagedNode } from '../../../node-runtime/common/manager-api';
import { formatBytes } from '../format/units';
import { ProgressBar } from './ProgressBar';

export function CapacityBar({ node }: { node: ManagedNode }) {
  const stats = node.report?.stats ?? null;
  if (stats === null || stats.diskFree === null) return <span className="muted">—</span>;
  const setting = node.report?.config?.diskReserveBytes?.value;
  const reserve = typeof setting === 'number' ? setting : 0;
  const usable = stats.bytesOnDisk + Math.max(0, stats.diskFree - reserve);
  const used = usable > 0 ? stats.bytesOnDisk / usable : 1;
  const tone = stats.diskFree <= reserve ? 'bad' : stats.diskFree <= 2 * reserve ? 'warn' : 'ok';
  const text = `${formatBytes(stats.bytesOnDisk)} used, ${formatBytes(Math.max(0, stats.diskFree - reserve))} free`;
  return (
    <span className="capacity">
      <ProgressBar label={`Disk of node ${node.id}`} value={used * 100} valueText={text} tone={tone} />
      <span className="num muted capacity-text">{text}</span>
    </span>
  );
}
