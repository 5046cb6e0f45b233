// The seed's configuration file and how it maps onto our settings.
//
// A seed file looks like
//   { "nodeId": "node-8000", "port": 8000, "peers": ["localhost:8001"], "storageQuota": 4194304,
//     "logLevel": "INFO", "heartbeatInterval": 5000, "recoveryEnabled": true }
// Our config file is the same format, extended: besides the seed's identity fields (nodeId, port,
// peers) it may hold any setting of config.ts. Every key must be known, so a typo is reported
// instead of silently ignored.

import { z } from 'zod';
import {
  clusterSettingsSchema,
  CLUSTER_DEFAULTS,
  logLevelSchema,
  validateConfigPatch,
  type ClusterSettings,
  type ConfigIssue,
  type NodeSettings,
} from './config';

const portSchema = z.number().int().min(1).max(65535);

/** The seed's file format exactly as its README documents it (every field optional). */
export const seedConfigFileSchema = z.strictObject({
  nodeId: z.string().min(1),
  port: portSchema,
  peers: z.array(z.string().min(1)),
  storageQuota: clusterSettingsSchema.shape.storageQuota,
  logLevel: logLevelSchema,
  heartbeatInterval: clusterSettingsSchema.shape.heartbeatInterval,
  recoveryEnabled: z.boolean(),
}).partial();

export type SeedConfigFile = z.input<typeof seedConfigFileSchema>;

/** Who this node is and whom it talks to; consumed by the CLI, not by the settings machinery. */
export const nodeIdentitySchema = z.strictObject({
  /** The seed names nodes with strings ("node-8000"); our CLI also accepts the numeric Raft id. */
  nodeId: z.union([z.string().min(1), z.number().int().min(1)]),
  port: portSchema,
  /** Peer addresses, "host:port". */
  peers: z.array(z.string().min(1)),
}).partial();

export type NodeIdentity = z.output<typeof nodeIdentitySchema>;

const IDENTITY_KEYS = Object.keys(nodeIdentitySchema.shape);

/** Election timeout per heartbeat when a file sets only heartbeatInterval, as etcd recommends. */
export const DERIVED_ELECTION_TIMEOUT_FACTOR = 10;

export type ConfigFileResult =
  | {
      readonly ok: true;
      readonly identity: NodeIdentity;
      readonly cluster: Partial<ClusterSettings>;
      readonly node: Partial<NodeSettings>;
    }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/**
 * Reads a parsed config file (seed format or ours). The seed's setting keys share our names, so
 * they pass straight through; the one translation is that a file setting heartbeatInterval but
 * not electionTimeout gets electionTimeout = 10 × heartbeatInterval, because the seed's 5000 ms
 * heartbeat would otherwise be longer than our default election timeout.
 */
export function parseConfigFile(json: unknown): ConfigFileResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, issues: [{ key: '', reason: 'not_an_object', message: 'config file must hold a JSON object' }] };
  }
  const record = json as Record<string, unknown>;
  const identityPart: Record<string, unknown> = {};
  const settingsPart: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    (IDENTITY_KEYS.includes(key) ? identityPart : settingsPart)[key] = value;
  }

  const issues: ConfigIssue[] = [];
  const identity = nodeIdentitySchema.safeParse(identityPart);
  if (!identity.success) {
    for (const issue of identity.error.issues) {
      issues.push({ key: String(issue.path[0] ?? ''), reason: 'invalid_value', message: issue.message });
    }
  }

  const heartbeat = settingsPart['heartbeatInterval'];
  if (typeof heartbeat === 'number' && !('electionTimeout' in settingsPart)) {
    const derived = heartbeat * DERIVED_ELECTION_TIMEOUT_FACTOR;
    if (derived > CLUSTER_DEFAULTS.electionTimeout) settingsPart['electionTimeout'] = derived;
  }
  const settings = validateConfigPatch(settingsPart);
  if (!settings.ok) issues.push(...settings.issues);

  if (issues.length > 0 || !identity.success || !settings.ok) return { ok: false, issues };
  return { ok: true, identity: identity.data, cluster: settings.cluster, node: settings.node };
}
