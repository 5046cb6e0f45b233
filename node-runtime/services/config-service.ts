// The node's effective configuration. Cluster-scope settings live in the replicated state machine
// and change only through Raft (configSet); node-scope settings are local to this process and are
// layered default < file < env < flag < api, the api layer persisted in the data directory.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { ConfigView } from '../common/api-types';
import {
  buildConfigView,
  describeConfigIssues,
  layerSettings,
  NODE_DEFAULTS,
  pinRaftTiming,
  validateConfigPatch,
  type ClusterSettings,
  type NodeSettings,
  type SettingLayer,
} from '../common/config';
import { ApiError } from '../common/errors';
import { parseConfigFile } from '../common/seed-config';
import type { StateMachine } from '../fsm';
import type { Clock } from '../ports';
import { readJsonFile, writeJsonAtomic } from '../storage/atomic-file';
import type { CommandRunner } from './command-runner';

export interface ConfigServiceOptions {
  readonly dataDir: string;
  readonly fsm: StateMachine;
  readonly runner: CommandRunner;
  readonly env: Partial<NodeSettings>;
  readonly flags: Partial<NodeSettings>;
  /** True when this node leads; cluster changes are proposed here or forwarded to the leader. */
  readonly isLeader: () => boolean;
  /**
   * Sends a cluster-scope patch to the leader's PUT /config, waiting up to `waitMs` for an election
   * to end first; false when the leader that came out of it is this node (it proposes it itself).
   */
  readonly forwardToLeader: (patch: Partial<ClusterSettings>, waitMs: number) => Promise<boolean>;
  /** Waits until this node reflects everything committed before the call (ReadIndex). */
  readonly readBarrier: () => Promise<void>;
  readonly clock: Clock;
}

export interface ConfigServiceEvents {
  nodeSettings: [Readonly<NodeSettings>];
  /** Persisting node settings failed; they stay live until a restart. */
  persistFailed: [Error];
}

const API_LAYER_FILE = 'node-settings.json';

export class ConfigService extends EventEmitter<ConfigServiceEvents> {
  private fileLayer: Partial<NodeSettings> = {};
  private apiLayer: Partial<NodeSettings> = {};
  /** Cluster settings named by the config file, proposed when this node leads. */
  private fileCluster: Partial<ClusterSettings> = {};
  private fileClusterSeeded = false;

  constructor(private readonly options: ConfigServiceOptions) {
    super();
  }

  /** Loads the persisted API layer (node scope) from the data directory. */
  async load(): Promise<void> {
    const raw = await readJsonFile(path.join(this.options.dataDir, API_LAYER_FILE));
    if (raw === undefined) return;
    const checked = validateConfigPatch(raw);
    if (checked.ok) this.apiLayer = checked.node;
  }

  nodeSettings(): Readonly<NodeSettings> {
    return this.layeredNode().values;
  }

  clusterSettings(): Readonly<ClusterSettings> {
    return this.options.fsm.clusterConfig();
  }

  view(): ConfigView {
    return buildConfigView(this.options.fsm.clusterConfigLayered(), this.layeredNode());
  }

  /** PUT /config: all keys valid or nothing applied; cluster scope through Raft, node scope here. */
  async update(patch: unknown): Promise<ConfigView> {
    const checked = validateConfigPatch(patch, this.clusterSettings());
    if (!checked.ok) throw new ApiError('config_invalid', describeConfigIssues(checked.issues));
    if (Object.keys(checked.cluster).length > 0) await this.setCluster(checked.cluster, 'api');
    if (Object.keys(checked.node).length > 0) {
      const next = { ...this.apiLayer, ...checked.node };
      await writeJsonAtomic(path.join(this.options.dataDir, API_LAYER_FILE), next);
      this.apiLayer = next;
      this.emit('nodeSettings', this.nodeSettings());
    }
    return this.view();
  }

  /**
   * Applies the contents of the config file (at start and on every edit). An invalid file throws
   * ApiError config_invalid and changes nothing. A key the file changes takes over from an earlier
   * API change of the same key: the newest edit wins.
   */
  applyFile(json: unknown, live: boolean): void {
    const parsed = parseConfigFile(json);
    if (!parsed.ok) throw new ApiError('config_invalid', describeConfigIssues(parsed.issues));
    const changedNodeKeys = (Object.keys(parsed.node) as (keyof NodeSettings)[]).filter(
      (key) => parsed.node[key] !== this.fileLayer[key],
    );
    this.fileLayer = parsed.node;
    if (live && changedNodeKeys.length > 0) {
      const api = { ...this.apiLayer };
      for (const key of changedNodeKeys) delete api[key];
      this.apiLayer = api;
      // Best effort: the file's values are already live; if this write fails, a restart brings
      // back the older API values, which is what the log line says.
      writeJsonAtomic(path.join(this.options.dataDir, API_LAYER_FILE), api).catch((err: Error) => this.emit('persistFailed', err));
    }
    const previousCluster = this.fileCluster;
    this.fileCluster = parsed.cluster;
    if (live) {
      const changed = Object.fromEntries(
        Object.entries(parsed.cluster).filter(([key, value]) => previousCluster[key as keyof ClusterSettings] !== value),
      ) as Partial<ClusterSettings>;
      if (Object.keys(changed).length > 0 && this.options.isLeader()) void this.setCluster(changed, 'file').catch(() => undefined);
    }
    this.emit('nodeSettings', this.nodeSettings());
  }

  /**
   * Called when this node becomes leader: the file's cluster settings seed the replicated
   * configuration once, for keys nobody has set yet (an API change is never undone by a restart).
   */
  async seedClusterFromFile(): Promise<void> {
    if (this.fileClusterSeeded || !this.options.isLeader()) return;
    const layered = this.options.fsm.clusterConfigLayered();
    const unset = Object.fromEntries(
      Object.entries(this.fileCluster).filter(([key]) => layered.sources[key as keyof ClusterSettings] === 'default'),
    ) as Partial<ClusterSettings>;
    if (Object.keys(unset).length > 0) await this.setCluster(unset, 'file');
    // Only once it worked: a proposal right after an election can fail, and the next term retries.
    this.fileClusterSeeded = true;
  }

  private async setCluster(requested: Partial<ClusterSettings>, source: 'api' | 'file'): Promise<void> {
    const patch = pinRaftTiming(requested, this.options.fsm.clusterConfigLayered());
    // During an election there is no leader to take the change: it waits for one (leaderWaitMs), as
    // writes do, instead of being refused a moment before it would succeed.
    if (!this.options.isLeader() && (await this.options.forwardToLeader(patch, this.nodeSettings().leaderWaitMs))) {
      await this.options.readBarrier();
      return;
    }
    await this.options.runner.run({ type: 'configSet', patch, source, at: this.options.clock.now() });
  }

  private layeredNode() {
    const layers: SettingLayer<NodeSettings>[] = [
      { source: 'file', values: this.fileLayer },
      { source: 'env', values: this.options.env },
      { source: 'flag', values: this.options.flags },
      { source: 'api', values: this.apiLayer },
    ];
    return layerSettings(NODE_DEFAULTS, layers);
  }
}
