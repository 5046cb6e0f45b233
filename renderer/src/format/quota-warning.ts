// A quota below what the cluster already stores is allowed (it is how an operator stops writes),
// but it must never look like an ordinary setting: new writes are then refused until files go.
import { parseSetting } from '../../../node-runtime/common/setting-units';
import { formatBytes } from './units';

/** For a quota typed in Configuration: the warning if it is below what is stored now, else null. */
export function quotaDraftWarning(typed: string, storedBytes: number | null): string | null {
  if (storedBytes === null) return null;
  const parsed = parseSetting('storageQuota', typed);
  if (!parsed.ok || parsed.value >= storedBytes) return null;
  return `Below the ${formatBytes(storedBytes)} stored now: once saved, every new write is refused until files are deleted or the quota is raised.`;
}

/** For the cluster as it is: the warning when it stores more than its quota allows, else null. */
export function overQuotaWarning(storedBytes: number, quotaBytes: number): string | null {
  if (storedBytes <= quotaBytes) return null;
  return `Over the quota: ${formatBytes(storedBytes)} stored, ${formatBytes(storedBytes - quotaBytes)} more than the ${formatBytes(quotaBytes)} allowed. New writes are refused until files are deleted or the quota is raised.`;
}
