// The cluster-scope settings as the replicated log has set them: defaults from common/config.ts,
// overridden key by key by applied configSet entries, each override remembering its source.
//
// One exception to "the same on every replica": a local cluster runs shorter Raft timeouts by
// default (LOCAL_CLUSTER_TIMING), and whether a cluster is local is each node's own view of its
// --cluster list. So the replicated values, which decide every entry's outcome, always start from
// CLUSTER_DEFAULTS; the node-local timing shows only in `current()`, and only while the log has set
// neither timeout (once it sets one, both come from the log on every replica).

import {
  CLUSTER_DEFAULTS,
  type RaftTiming,
  CLUSTER_SETTING_KEYS,
  type ClusterSettingKey,
  type ClusterSettings,
  type LayeredSettings,
  type SettingSource,
} from '../common/config';
import type { ConfigOverride } from './snapshot-codec';

export class ClusterConfig {
  /** CLUSTER_DEFAULTS with the log's overrides: identical on every replica. */
  private values: ClusterSettings = { ...CLUSTER_DEFAULTS };
  /** `values`, or with this node's default timing while the log has set no timeout. */
  private effective: ClusterSettings = this.values;
  private readonly sources = new Map<ClusterSettingKey, SettingSource>();

  /** `localTiming`: this node's default Raft timeouts when they differ from CLUSTER_DEFAULTS'. */
  constructor(private readonly localTiming?: Readonly<RaftTiming>) {
    this.refresh();
  }

  /** What this node runs with. */
  current(): Readonly<ClusterSettings> {
    return this.effective;
  }

  /** What every replica holds: the base for deciding an entry's outcome. */
  replicated(): Readonly<ClusterSettings> {
    return this.values;
  }

  /** Effective values with their sources, for GET /config. */
  layered(): LayeredSettings<ClusterSettings> {
    const sources = {} as Record<ClusterSettingKey, SettingSource>;
    for (const key of CLUSTER_SETTING_KEYS) sources[key] = this.sources.get(key) ?? 'default';
    return { values: { ...this.effective }, sources };
  }

  private refresh(): void {
    const timingSet = this.sources.has('heartbeatInterval') || this.sources.has('electionTimeout');
    this.effective = this.localTiming && !timingSet ? { ...this.values, ...this.localTiming } : this.values;
  }

  /** Applies an already validated patch. */
  set(patch: Partial<ClusterSettings>, source: SettingSource): void {
    const next = { ...this.values };
    for (const key of CLUSTER_SETTING_KEYS) {
      const value = patch[key];
      if (value === undefined) continue;
      (next as Record<ClusterSettingKey, unknown>)[key] = value;
      this.sources.set(key, source);
    }
    this.values = next;
    this.refresh();
  }

  /** The keys set through the log, in schema order. */
  overrides(): ConfigOverride[] {
    return CLUSTER_SETTING_KEYS.filter((key) => this.sources.has(key)).map((key) => ({
      key,
      value: this.values[key],
      source: this.sources.get(key) as SettingSource,
    }));
  }

  load(overrides: readonly ConfigOverride[]): void {
    this.values = { ...CLUSTER_DEFAULTS };
    this.sources.clear();
    for (const { key, value, source } of overrides) {
      (this.values as Record<ClusterSettingKey, unknown>)[key] = value;
      this.sources.set(key, source);
    }
    this.refresh();
  }
}
