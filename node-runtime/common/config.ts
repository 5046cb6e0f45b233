// The settings of a cluster and of a node: their schema, scope, default and allowed range.
//
// Scope decides where a value lives. Cluster settings must be identical on every node (a quota
// that differed between nodes would make replicas disagree), so they change only through the
// replicated log (`configSet`). Node settings are local to one process (its log level, how much
// disk it keeps free) and change without consensus.
//
// Each effective value also carries its source, so the dashboard can say why a value is what it
// is: default < file < env < flag < api, later layers winning.

import { z } from 'zod';
import type { ConfigView } from './api-types';
import { formatSetting } from './setting-units';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const SECOND_MS = 1000;
const DAY_SEC = 24 * 60 * 60;

export type SettingScope = 'cluster' | 'node';

export const SETTING_SOURCES = ['default', 'file', 'env', 'flag', 'api'] as const;
export type SettingSource = (typeof SETTING_SOURCES)[number];

/** pino's level names; what the node's logger is configured with. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// The seed writes levels in capitals ("INFO", "DEBUG", "ERROR") and some tools say "WARNING".
const LOG_LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = { warning: 'warn' };

/** Accepts seed and pino spellings in any case ("DEBUG", "Warn", "warning") and outputs a pino level. */
export const logLevelSchema = z.string().transform((raw, ctx): LogLevel => {
  const lower = raw.trim().toLowerCase();
  const level = LOG_LEVEL_ALIASES[lower] ?? LOG_LEVELS.find((l) => l === lower);
  if (level !== undefined) return level;
  ctx.issues.push({ code: 'custom', input: raw, message: `must be one of ${LOG_LEVELS.join(', ')} (any case)` });
  return z.NEVER;
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const clusterSettingsSchema = z.object({
  /** Cluster-wide limit on the logical bytes of all files (one copy counted, not each replica). */
  storageQuota: int(0, Number.MAX_SAFE_INTEGER),
  /** Leader heartbeat period, ms. */
  heartbeatInterval: int(10, 60 * SECOND_MS),
  /** Follower election timeout (base of the randomised range), ms. */
  electionTimeout: int(50, 600 * SECOND_MS),
  /** Whether a lagging or restarted node fetches missing chunks and repairs corrupt ones. */
  recoveryEnabled: z.boolean(),
  /** Scrubber read budget, bytes per second; 0 disables scrubbing. */
  scrubRateBytesPerSec: int(0, 10 * GiB),
  /** Pause between two scrub passes, seconds. */
  scrubIntervalSec: int(10, 7 * DAY_SEC),
  /** Chunk size for files written from now on; existing files keep their chunking. */
  chunkSize: int(KiB, 64 * MiB),
  /** Applied entries after which a node snapshots its state machine and compacts its log. */
  snapshotThreshold: int(1, 100_000_000),
  /** Lease length of a lock when the client does not ask for one, ms. */
  lockDefaultTtlMs: int(100, DAY_SEC * SECOND_MS),
  /** Largest single file a write may store (413 beyond it), whatever room the quota leaves. */
  maxFileBytes: int(1, Number.MAX_SAFE_INTEGER),
  /**
   * Files up to this size travel inside their Raft entry (one replication round, one fsync for
   * bytes and metadata); larger ones are chunked. 0 sends every file through the chunk store.
   */
  inlineMaxBytes: int(0, MiB),
});

export const nodeSettingsSchema = z.object({
  logLevel: logLevelSchema,
  /** Free disk space the node keeps in reserve; writes that would eat into it fail with disk_full. */
  diskReserveBytes: int(0, Number.MAX_SAFE_INTEGER),
  /** Longest a request body may go without a byte arriving before the request is cut (408), ms. */
  bodyIdleTimeoutMs: int(SECOND_MS, 3600 * SECOND_MS),
  /** With an API token: /livez, /readyz and /metrics still answer without it (probes, Prometheus). */
  openHealthRoutes: z.boolean(),
  /** Uploads this node takes (or forwards) at once; more get 429 until one ends. */
  maxConcurrentUploads: int(1, 10_000),
  /** Longest a whole request (headers and body) may take to arrive, ms; 0 = no limit (408). */
  /**
   * How long a write (or a linearizable read) that arrives while no leader is known waits for one
   * before it is answered 503 with Retry-After, ms; 0 answers at once. An election takes well
   * under a second on a healthy cluster, so clients see a short delay instead of an error.
   */
  leaderWaitMs: int(0, 600 * SECOND_MS),
  requestTimeoutMs: z.union([z.literal(0), int(SECOND_MS, DAY_SEC * SECOND_MS)], { error: 'must be 0 (no limit) or between 1 s and 1 d' }),
  /** Largest request head (request line and headers) this node reads, bytes; larger gets 431. New connections take a change. */
  maxHeaderBytes: int(KiB, MiB),
});

export type ClusterSettings = z.output<typeof clusterSettingsSchema>;
export type NodeSettings = z.output<typeof nodeSettingsSchema>;
export type ClusterSettingKey = keyof ClusterSettings;
export type NodeSettingKey = keyof NodeSettings;
export type SettingKey = ClusterSettingKey | NodeSettingKey;

/**
 * storageQuota defaults to 10 GiB rather than the seed's 4 MiB: the seed's value is an example
 * that would refuse most real files, and a desktop user should not hit a quota on first use.
 * A seed config file that names storageQuota still gets exactly what it asks for.
 */
export const CLUSTER_DEFAULTS: Readonly<ClusterSettings> = {
  storageQuota: 10 * GiB,
  heartbeatInterval: 100,
  electionTimeout: 1000,
  recoveryEnabled: true,
  scrubRateBytesPerSec: 16 * MiB,
  scrubIntervalSec: 3600,
  // 4 MiB: each chunk costs fsyncs, a rename and one push per follower, so bigger chunks write
  // faster (bench/upload-throughput.ts: 30 → 55 MiB/s through the leader) at one chunk of memory.
  chunkSize: 4 * MiB,
  snapshotThreshold: 10_000,
  lockDefaultTtlMs: 30 * SECOND_MS,
  // As large as the default quota: out of the box only the quota limits a file.
  maxFileBytes: 10 * GiB,
  // MinIO inlines objects under 128 KiB into their metadata for the same reason; 64 KiB keeps a
  // Raft entry (base64 in JSON, ~87 KB) well under a batch of appends.
  inlineMaxBytes: 64 * KiB,
};

/**
 * The Raft timeouts of a local cluster (every member on this machine: the desktop, `npm run
 * cluster`), where a round trip takes well under a millisecond: a heartbeat of tens of ms and an
 * election timeout of a few hundred, as in the Raft paper's experiments (150–300 ms). The
 * defaults above stay for clusters across machines, where a busy network or a slow peer must not
 * look like a dead leader; etcd uses the same 100 / 1000 ms.
 */
export type RaftTiming = Pick<ClusterSettings, 'heartbeatInterval' | 'electionTimeout'>;

export const LOCAL_CLUSTER_TIMING: Readonly<RaftTiming> = {
  heartbeatInterval: 60,
  electionTimeout: 500,
};

export const NODE_DEFAULTS: Readonly<NodeSettings> = {
  logLevel: 'info',
  diskReserveBytes: 256 * MiB,
  // Long enough for a client on a bad link; short enough that a client trickling a byte at a
  // time cannot hold an upload (and its disk reservation) open for minutes.
  bodyIdleTimeoutMs: 30 * SECOND_MS,
  openHealthRoutes: true,
  maxConcurrentUploads: 64,
  // Node's own default: a 10 GiB upload still fits at ~40 MiB/s; raise it for slower links.
  requestTimeoutMs: 300 * SECOND_MS,
  leaderWaitMs: 10 * SECOND_MS,
  // Node's own default: room for a long token and cookies, too small to spend memory on padding.
  maxHeaderBytes: 16 * KiB,
};

export const CLUSTER_SETTING_KEYS = Object.keys(clusterSettingsSchema.shape) as readonly ClusterSettingKey[];
export const NODE_SETTING_KEYS = Object.keys(nodeSettingsSchema.shape) as readonly NodeSettingKey[];

/** Raft needs several heartbeats per election timeout, or followers campaign against a live leader. */
export const MIN_ELECTION_TO_HEARTBEAT_RATIO = 2;

export function scopeOf(key: string): SettingScope | undefined {
  if (Object.hasOwn(clusterSettingsSchema.shape, key)) return 'cluster';
  if (Object.hasOwn(nodeSettingsSchema.shape, key)) return 'node';
  return undefined;
}

export interface ConfigIssue {
  /** The offending key; '' when the patch itself is not an object. */
  readonly key: string;
  readonly reason: 'not_an_object' | 'unknown_key' | 'invalid_value' | 'inconsistent';
  readonly message: string;
}

export type ConfigPatchResult =
  | { readonly ok: true; readonly cluster: Partial<ClusterSettings>; readonly node: Partial<NodeSettings> }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** One line naming every problem, for the `detail` of a config_invalid error. */
export function describeConfigIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => (i.key === '' ? i.message : `${i.key}: ${i.message}`)).join('; ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a partial settings update (the body of `PUT /config`, a config file's settings, a
 * configSet entry). All or nothing: any unknown key, wrong type or out-of-range value fails the
 * whole patch, naming each offending key. On success the patch is split by scope, values
 * normalised (e.g. "DEBUG" → "debug").
 *
 * `currentCluster` is the cluster configuration the patch would be applied to; it is needed to
 * check settings that constrain each other (electionTimeout against heartbeatInterval).
 */
/** A schema issue in the same plain voice as the rest ("must be at least 50 ms"), not zod's wording. */
function plainIssue(key: string, issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' && typeof issue.minimum === 'number') return `must be at least ${formatSetting(key, issue.minimum)}`;
  if (issue.code === 'too_big' && typeof issue.maximum === 'number') return `must be at most ${formatSetting(key, issue.maximum)}`;
  if (issue.code === 'invalid_type') {
    if (issue.expected === 'int') return 'must be a whole number';
    if (issue.expected === 'number') return 'must be a number';
    if (issue.expected === 'boolean') return 'must be true or false';
  }
  return issue.message;
}

export function validateConfigPatch(
  patch: unknown,
  currentCluster: Readonly<ClusterSettings> = CLUSTER_DEFAULTS,
): ConfigPatchResult {
  if (!isPlainObject(patch)) {
    return { ok: false, issues: [{ key: '', reason: 'not_an_object', message: 'configuration patch must be a JSON object' }] };
  }
  const issues: ConfigIssue[] = [];
  const cluster: Record<string, unknown> = {};
  const node: Record<string, unknown> = {};
  for (const key of Object.keys(patch).sort()) {
    const scope = scopeOf(key);
    if (scope === undefined) {
      issues.push({ key, reason: 'unknown_key', message: 'unknown setting' });
      continue;
    }
    const schema =
      scope === 'cluster'
        ? clusterSettingsSchema.shape[key as ClusterSettingKey]
        : nodeSettingsSchema.shape[key as NodeSettingKey];
    const parsed = schema.safeParse(patch[key]);
    if (!parsed.success) {
      issues.push({ key, reason: 'invalid_value', message: parsed.error.issues.map((i) => plainIssue(key, i)).join(', ') });
      continue;
    }
    (scope === 'cluster' ? cluster : node)[key] = parsed.data;
  }
  if (issues.length === 0) {
    const merged = { ...currentCluster, ...(cluster as Partial<ClusterSettings>) };
    if (merged.electionTimeout < MIN_ELECTION_TO_HEARTBEAT_RATIO * merged.heartbeatInterval) {
      issues.push({
        key: 'electionTimeout',
        reason: 'inconsistent',
        message: `must be at least ${MIN_ELECTION_TO_HEARTBEAT_RATIO}× heartbeatInterval (${formatSetting('electionTimeout', merged.electionTimeout)} < ${MIN_ELECTION_TO_HEARTBEAT_RATIO} × ${formatSetting('heartbeatInterval', merged.heartbeatInterval)})`,
      });
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, cluster: cluster as Partial<ClusterSettings>, node: node as Partial<NodeSettings> };
}

/** One layer of settings from one source, e.g. the values a config file set. */
export interface SettingLayer<T> {
  readonly source: SettingSource;
  readonly values: Partial<T>;
}

export interface LayeredSettings<T> {
  readonly values: T;
  readonly sources: Readonly<Record<keyof T, SettingSource>>;
}

/**
 * A patch that sets one Raft timeout while the log has set neither also carries the other one's
 * running value. A node runs its own defaults until the log sets a timeout (a local cluster's
 * shorter ones), but every replica judges an entry against CLUSTER_DEFAULTS: alone, the one
 * timeout would be checked against a different partner than the user sees, and once applied it
 * would switch the other one back to the server default (60 → 100 ms heartbeat beside the new
 * election timeout). Carrying both keeps the entry's outcome and the running pair as shown.
 */
export function pinRaftTiming(patch: Partial<ClusterSettings>, running: LayeredSettings<ClusterSettings>): Partial<ClusterSettings> {
  const timing = ['heartbeatInterval', 'electionTimeout'] as const;
  const setByLog = timing.some((key) => running.sources[key] !== 'default');
  if (setByLog || !timing.some((key) => patch[key] !== undefined)) return patch;
  return { heartbeatInterval: running.values.heartbeatInterval, electionTimeout: running.values.electionTimeout, ...patch };
}

/**
 * Merges layers over the defaults, later layers winning, and remembers which layer supplied each
 * value. Callers pass layers in precedence order: file, env, flag, api.
 */
export function layerSettings<T extends object>(defaults: Readonly<T>, layers: readonly SettingLayer<T>[]): LayeredSettings<T> {
  const values = { ...defaults } as T;
  const sources = {} as Record<keyof T, SettingSource>;
  for (const key of Object.keys(defaults) as (keyof T)[]) sources[key] = 'default';
  for (const layer of layers) {
    for (const key of Object.keys(layer.values) as (keyof T)[]) {
      const value = layer.values[key];
      if (value === undefined) continue;
      values[key] = value as T[keyof T];
      sources[key] = layer.source;
    }
  }
  return { values, sources };
}

/** What `GET /config` shows: every setting with its effective value, scope and source. */
export function buildConfigView(cluster: LayeredSettings<ClusterSettings>, node: LayeredSettings<NodeSettings>): ConfigView {
  const view: ConfigView = {};
  for (const key of CLUSTER_SETTING_KEYS) {
    view[key] = { value: cluster.values[key], scope: 'cluster', source: cluster.sources[key] };
  }
  for (const key of NODE_SETTING_KEYS) {
    view[key] = { value: node.values[key], scope: 'node', source: node.sources[key] };
  }
  return view;
}
