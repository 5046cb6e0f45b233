// The cluster-scope settings as the replicated log has set them: defaults from common/config.ts,
// overridden key by key by applied configSet entries, each override remembering its source.

import {
  CLUSTER_DEFAULTS,
  CLUSTER_SETTING_KEYS,
  type ClusterSettingKey,
  type ClusterSettings,
  type LayeredSettings,
  type SettingSource,
} from '../common/config';
import type { ConfigOverride } from './snapshot-codec';

export class ClusterConfig {
  private readonly defaults: Readonly<ClusterSettings>;
  private values: ClusterSettings;
  private readonly sources = new Map<ClusterSettingKey, SettingSource>();

  /**
   * `defaults` may differ from CLUSTER_DEFAULTS only in settings that never change what an entry
   * applies to (the Raft timeouts a local cluster shortens): replicas must still agree.
   */
  constructor(defaults: Readonly<ClusterSettings> = CLUSTER_DEFAULTS) {
    this.defaults = defaults;
    this.values = { ...defaults };
  }

  current(): Readonly<ClusterSettings> {
    return this.values;
  }

  /** Effective values with their sources, for GET /config. */
  layered(): LayeredSettings<ClusterSettings> {
    const sources = {} as Record<ClusterSettingKey, SettingSource>;
    for (const key of CLUSTER_SETTING_KEYS) sources[key] = this.sources.get(key) ?? 'default';
    return { values: { ...this.values }, sources };
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
    this.values = { ...this.defaults };
    this.sources.clear();
    for (const { key, value, source } of overrides) {
      (this.values as Record<ClusterSettingKey, unknown>)[key] = value;
      this.sources.set(key, source);
    }
  }
}
