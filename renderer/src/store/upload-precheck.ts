// Refuses an upload before a byte is sent when the leader's own numbers (its settings and its
// last stats) already say it would refuse: a browser sends the whole body before it reads an early
// answer, so without this the bar reaches 100 % and only then turns red. The node still decides;
// this only spares the wait. Same wording as the node's refusals.
import type { ClusterSnapshot } from '../../../node-runtime/common/manager-api';
import { formatBytes, quotaText } from '../../../node-runtime/common/units';
import { leaderOf } from './cluster-derive';

export interface UploadRefusal {
  readonly code: 'file_too_large' | 'quota_exceeded' | 'disk_full';
  readonly detail: string;
}

/** `replacedBytes`: the size of the file this upload overwrites (0 for a new name). */
export function refusalBeforeSending(snapshot: ClusterSnapshot | null, name: string, size: number, replacedBytes: number): UploadRefusal | null {
  const report = leaderOf(snapshot)?.report;
  if (report?.stats == null || report.config == null) return null;
  const config = report.config;
  const setting = (key: string): number | null => {
    const value = config[key]?.value;
    return typeof value === 'number' ? value : null;
  };
  const quota = setting('storageQuota');
  const maxFile = setting('maxFileBytes');
  const reserve = setting('diskReserveBytes');
  if (quota !== null && size > quota) {
    return { code: 'file_too_large', detail: `"${name}" is ${formatBytes(size)}, more than the whole quota of ${formatBytes(quota)}` };
  }
  if (maxFile !== null && size > maxFile) {
    return { code: 'file_too_large', detail: `"${name}" is ${formatBytes(size)}, over the maximum file size of ${formatBytes(maxFile)} (setting maxFileBytes)` };
  }
  const used = report.stats.totalSize;
  if (quota !== null && size > replacedBytes && used - replacedBytes + size > quota) {
    return { code: 'quota_exceeded', detail: quotaText(`storing "${name}" (${formatBytes(size)})`, used, quota) };
  }
  const free = report.stats.diskFree;
  if (reserve !== null && free !== null && free - size < reserve) {
    return { code: 'disk_full', detail: `the leader keeps ${formatBytes(reserve)} of disk free (setting diskReserveBytes) and has ${formatBytes(free)}` };
  }
  return null;
}
