// Response bodies of the node API, as zod schemas with their types. Nodes build these, the
// manager passes them through untouched, the renderer and the tests parse them: one contract.
//
// Conventions: byte counts and indexes are numbers; points in time are ISO 8601 strings (UTC);
// durations carry their unit in the name (Ms, Sec); "none" is null, never 0 or "".

import { z } from 'zod';
import { SETTING_SOURCES } from './config';

const count = z.number().int().min(0);
const isoTime = z.iso.datetime();
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const nodeId = z.number().int().min(1);

// ---- GET /status --------------------------------------------------------------------------

export const raftRoleSchema = z.enum(['follower', 'preCandidate', 'candidate', 'leader']);

/** Raft command formats a node applies: every one from min to max (issue #18). */
const formatRangeSchema = z.object({ min: count, max: count });

/** What this node knows about one peer. Replication fields are known only on the leader. */
export const peerStatusSchema = z.object({
  id: nodeId,
  /** The peer's public API base URL, when known. */
  url: z.string().nullable(),
  isLearner: z.boolean(),
  state: z.enum(['probe', 'replicate', 'snapshot']).nullable(),
  match: count.nullable(),
  next: count.nullable(),
  lastContactMs: count.nullable(),
  /** The Raft command formats the peer applies, from its stream handshake; null until it answered one; absent from older nodes. */
  commandFormats: formatRangeSchema.nullable().optional(),
});

export const nodeStatusSchema = z.object({
  id: nodeId,
  role: raftRoleSchema,
  term: count,
  leaderId: nodeId.nullable(),
  leaderUrl: z.string().nullable(),
  /** Whom this node voted for in the current term; null when it has not voted. */
  votedFor: nodeId.nullable(),
  commitIndex: count,
  appliedIndex: count,
  lastIndex: count,
  /** Index of the newest snapshot the log was compacted to (0 when none). */
  snapshotIndex: count,
  /**
   * The terms of the newest log entries (at most LOG_TERMS_WINDOW), as runs: entries
   * `from`..`to` (inclusive) were written in `term`. What the Raft view colours each log by.
   */
  logTerms: z.array(z.object({ from: count, to: count, term: count })),
  peers: z.array(peerStatusSchema),
  /** Where this node serves S3 (`--s3`, issue #17); null without; absent from older nodes. */
  s3Url: z.string().nullable().optional(),
  /**
   * Raft command formats (issue #18): the ones this node applies, the one it writes as leader now
   * (`writes`: the newest every member applies), the members that hold it below its newest, and
   * those it shares no format with (cut off until upgraded). Absent from older nodes.
   */
  commandFormats: z.object({ applies: formatRangeSchema, writes: count, behind: z.array(nodeId), cannot: z.array(nodeId) }).optional(),
});

/** How many of the newest entries `NodeStatus.logTerms` describes. */
export const LOG_TERMS_WINDOW = 200;

export type RaftRole = z.infer<typeof raftRoleSchema>;
export type PeerStatus = z.infer<typeof peerStatusSchema>;
export type NodeStatus = z.infer<typeof nodeStatusSchema>;

// ---- GET /stats ---------------------------------------------------------------------------

export const nodeHealthSchema = z.enum(['healthy', 'degraded', 'unhealthy']);

export const statsSchema = z.object({
  // Seed fields, same names and meaning.
  totalFiles: count,
  totalSize: count,
  /** Fraction of the quota in use, 0..1 (may exceed 1 after the quota was lowered). */
  quotaUsed: z.number().min(0),
  quotaLimit: count,
  /** quotaUsed as a percentage with one decimal, e.g. "25.0%". */
  storageUsage: z.string(),
  nodeStatus: nodeHealthSchema,
  /** When this node last streamed a whole backup archive (GET /backup); null when it never did. */
  lastBackup: isoTime.nullable(),
  // Ours: this node's local storage.
  bytesOnDisk: count,
  chunkCount: count,
  /** Free bytes on the data volume; null where the platform cannot tell. */
  diskFree: count.nullable(),
  /** What clients moved through this node since it started (rates: compare two readings). */
  traffic: z.object({
    uploadedBytes: count,
    downloadedBytes: count,
    requests: count,
    /** Proposals this node made to the Raft log that committed / that never did (0 from older nodes). */
    proposalsCommitted: count.default(0),
    proposalsFailed: count.default(0),
    /** Latency percentiles of the most recent requests; null before any. */
    latencyP50Ms: z.number().min(0).nullable(),
    latencyP95Ms: z.number().min(0).nullable(),
  }),
});

export type NodeHealth = z.infer<typeof nodeHealthSchema>;
export type Stats = z.infer<typeof statsSchema>;

/** The seed's two quota fields from the totals, so every producer computes them the same way. */
export function quotaUsage(totalSize: number, quotaLimit: number): { quotaUsed: number; storageUsage: string } {
  const quotaUsed = quotaLimit > 0 ? totalSize / quotaLimit : totalSize > 0 ? 1 : 0;
  return { quotaUsed, storageUsage: `${(quotaUsed * 100).toFixed(1)}%` };
}

// ---- Files and locks ----------------------------------------------------------------------

export const chunkRefSchema = z.object({
  hash: sha256Hex,
  size: count,
});

export const lockInfoSchema = z.object({
  name: z.string(),
  owner: z.string(),
  acquiredAt: isoTime,
  expiresAt: isoTime,
});

/** Answer to a successful lock acquire: only the holder ever sees the token. */
export const lockGrantSchema = lockInfoSchema.extend({
  token: z.string(),
});

/**
 * What an S3 client stored with an object (issue #17): returned on every read of it. `user` holds
 * the `x-amz-meta-*` headers, names lowercased without the prefix.
 */
export const objectMetaSchema = z.strictObject({
  contentType: z.string().max(1024).optional(),
  contentDisposition: z.string().max(1024).optional(),
  cacheControl: z.string().max(1024).optional(),
  contentEncoding: z.string().max(1024).optional(),
  user: z.record(z.string().max(256), z.string().max(2048)).optional(),
});

/**
 * S3's ETag of the content: the MD5 (hex) of the bytes, or for an object assembled from N parts
 * the MD5 of the parts' MD5s followed by "-N". Present for files written through S3.
 */
export const md5TagSchema = z.string().regex(/^[0-9a-f]{32}(-[1-9][0-9]{0,4})?$/, 'must be an MD5 in hex, optionally followed by -<parts>');

/**
 * Names one client write across resends: the `Idempotency-Key` header a client may send with a
 * file write, or the id the node that forwards the write makes for it. A repeat is answered with
 * the write's first outcome (node-runtime/fsm/request-table.ts).
 */
export const requestIdSchema = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1 to 128 visible ASCII characters');

/** The header that carries a write's request id. */
export const REQUEST_ID_HEADER = 'idempotency-key';

export const fileInfoSchema = z.object({
  name: z.string(),
  size: count,
  sha256: sha256Hex,
  md5: md5TagSchema.optional(),
  meta: objectMetaSchema.optional(),
  chunks: z.array(chunkRefSchema),
  /** The file's own write counter: 1 when created, one more on every overwrite. */
  version: z.number().int().min(1),
  /** The Raft index of the write that made this content: a compare-and-set token no delete can reuse. */
  revision: z.number().int().min(1),
  createdAt: isoTime,
  modifiedAt: isoTime,
  lock: lockInfoSchema.optional(),
  /** Nodes known to hold every chunk of this file, when the answering node knows. */
  completeOn: z.array(nodeId).optional(),
  /**
   * Per member, the indexes (into `chunks`) of the chunks it lacks; `missing` is null when the
   * member did not answer. Only in `GET /fileinfo`.
   */
  replicas: z.array(z.object({ node: nodeId, missing: z.array(count).nullable() })).optional(),
});

/** One row of a listing: the file without its chunk list. */
export const fileListItemSchema = fileInfoSchema.omit({ chunks: true, completeOn: true, replicas: true, meta: true });

/**
 * Where a listing page's files are whole, in few bytes (`GET /files?replicas=1`): only the files
 * some answering member lacks a chunk of are named, so a page of healthy files costs two short
 * arrays. A file's copies are the answering members not named against it.
 */
export const listReplicasSchema = z.object({
  /** Every member asked, ascending. */
  members: z.array(nodeId),
  /** Members that did not answer (down, cut off, older): whether they hold the files is unknown. */
  unanswered: z.array(nodeId),
  /** File name → the answering members that lack one of its chunks or more; files absent here are whole on every answering member. */
  lacking: z.record(z.string(), z.array(nodeId)),
});

export const fileListSchema = z.object({
  items: z.array(fileListItemSchema),
  /** Sub-folders ("docs/sub/") when listing one folder level; absent otherwise. */
  folders: z.array(z.string()).optional(),
  /** Pass back as `cursor` to get the next page; null on the last page. */
  nextCursor: z.string().nullable(),
  /** Only when asked for with `replicas=1`. */
  replicas: listReplicasSchema.optional(),
});

export type ChunkRef = z.infer<typeof chunkRefSchema>;
export type ObjectMeta = z.infer<typeof objectMetaSchema>;
export type LockInfo = z.infer<typeof lockInfoSchema>;
export type LockGrant = z.infer<typeof lockGrantSchema>;
export type FileInfo = z.infer<typeof fileInfoSchema>;
export type ReplicaHolding = NonNullable<FileInfo['replicas']>[number];
export type ListReplicas = z.infer<typeof listReplicasSchema>;
export type FileListItem = z.infer<typeof fileListItemSchema>;
export type FileList = z.infer<typeof fileListSchema>;

// ---- GET /recovery/status -----------------------------------------------------------------

export const scrubRunSchema = z.object({
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  checked: count,
  corrupt: count,
  repaired: count,
  unrepairable: count,
  bytesPerSec: z.number().min(0),
  bytesChecked: count,
  /** Corrupt chunks no file referenced: removed instead of repaired. */
  removed: count,
  /** Corrupt chunks left in place because recoveryEnabled is false. */
  leftCorrupt: count,
  /** Chunks files reference that this node lacks (handed to catch-up when recovery is on). */
  missing: count,
});

export const backgroundServiceSchema = z.object({
  lastRunAt: isoTime.nullable(),
  lastDurationMs: count.nullable(),
  /** Message of the last failure; null when the last run succeeded or none ran yet. */
  lastError: z.string().nullable(),
  running: z.boolean(),
  /** Counters of the last successful run ("removed: 3"); null before one succeeded. */
  lastResult: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])).nullable(),
});

export const recoveryStatusSchema = z.object({
  recoveryEnabled: z.boolean(),
  /** True while this node is behind the leader's commit index or missing chunks. */
  catchingUp: z.boolean(),
  entriesBehind: count,
  snapshot: z.object({
    inProgress: z.boolean(),
    bytesReceived: count,
    bytesTotal: count.nullable(),
  }),
  chunksMissing: count,
  chunksFetched: count,
  bytesFetched: count,
  /** Estimated seconds until caught up; null when unknown or not catching up. */
  etaSec: z.number().min(0).nullable(),
  scrub: z.object({
    running: z.boolean(),
    /** The last pass that ended. */
    lastRun: scrubRunSchema.nullable(),
    /** The pass running now. */
    current: scrubRunSchema.nullable(),
  }),
  /** Keyed by service name: scrubber, gc, lockExpiry, repair, snapshot. */
  backgroundServices: z.record(z.string(), backgroundServiceSchema),
});

export type ScrubRun = z.infer<typeof scrubRunSchema>;
export type BackgroundService = z.infer<typeof backgroundServiceSchema>;
export type RecoveryStatus = z.infer<typeof recoveryStatusSchema>;

// ---- GET /config --------------------------------------------------------------------------

export const configEntrySchema = z.object({
  value: z.union([z.number(), z.boolean(), z.string()]),
  scope: z.enum(['cluster', 'node']),
  source: z.enum(SETTING_SOURCES),
});

/** Setting key → effective value, its scope and where the value came from. */
export const configViewSchema = z.record(z.string(), configEntrySchema);

export type ConfigEntry = z.infer<typeof configEntrySchema>;
export type ConfigView = z.infer<typeof configViewSchema>;
