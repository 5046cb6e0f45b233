// The settings the editor shows for a target, read from the nodes' own reports in the snapshot.
import type { ConfigEntry } from '../../../node-runtime/common/api-types';
import type { ClusterSnapshot } from '../../../node-runtime/common/manager-api';
import { formatSetting } from '../../../node-runtime/common/setting-units';
import { leaderOf, nodeById } from './cluster-derive';
import type { ConfigTarget } from './state';

export type SettingsView = readonly (readonly [key: string, entry: ConfigEntry])[];

/**
 * Cluster settings come from the leader's report (every node holds the same committed values; the
 * leader's are the newest), or from any reachable node while there is no leader. Node settings
 * come from that node's report.
 */
export function settingsFor(snapshot: ClusterSnapshot | null, target: ConfigTarget): SettingsView {
  if (snapshot === null) return [];
  const source =
    target === 'cluster'
      ? (leaderOf(snapshot) ?? snapshot.nodes.find((n) => n.report !== null))
      : nodeById(snapshot, target);
  const config = source?.report?.config;
  if (config === undefined || config === null) return [];
  const scope = target === 'cluster' ? 'cluster' : 'node';
  return Object.entries(config)
    .filter(([, entry]) => entry.scope === scope)
    .sort(([a], [b]) => a.localeCompare(b));
}

/** A value as the editor shows it: numbers in human units ("4 MiB", "300 ms"). */
export function settingText(key: string, value: ConfigEntry['value']): string {
  return typeof value === 'number' ? formatSetting(key, value) : String(value);
}
