// The contract between the manager (electron/manager/) and the dashboard (renderer/): the cluster
// snapshot, the Server-Sent Events that keep it current, and the commands the dashboard sends.
// All routes are relative (`/api/...`). Cluster state flows node → manager → renderer and is never
// recomputed on the way: `report` holds exactly what the node answered.
//
// Authentication (every request, static files included): the per-launch token as
// `Authorization: Bearer <token>`, or as `?token=<token>`, or the `dfs_token_<port>` cookie. A page
// load with `?token=` answers 303 to the same URL without the token and sets that cookie
// (HttpOnly, SameSite=Strict, Path=/), so the dashboard itself never handles the token: its
// fetches and its EventSource carry the cookie. In Electron the main process adds the header.
// Missing or wrong token → 401. A `Host` other than `127.0.0.1:<port>` or `localhost:<port>` → 400
// (DNS rebinding). No CORS headers are ever sent.
import type { ConfigView, NodeStatus, RecoveryStatus, Stats } from './api-types';
import type { NodeEvent } from './node-events';

/**
 * One entry of the manager's journal (`GET /api/journal?since=&until=&limit=`, epoch ms, oldest
 * first): a snapshot, node event or leader change exactly as it was published at `at`.
 */
export type JournalRecord = { [K in 'snapshot' | 'nodeEvent' | 'leaderChange']: { readonly at: number; readonly name: K; readonly data: ManagerEvents[K] } }['snapshot' | 'nodeEvent' | 'leaderChange'];

/**
 * One entry of the charts' last hour (`GET /api/chart-history?since=&until=`, epoch ms, oldest
 * first): a leader change as published, or a snapshot keeping only what the charts read (its
 * nodes' status and stats; recovery and config are null, log terms empty).
 */
export type ChartRecord = Extract<JournalRecord, { name: 'snapshot' | 'leaderChange' }>;

/** A supervised node process's lifecycle, as the supervisor sees it. */
export type ProcessState = 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed' | 'backoff' | 'errored' | 'paused';

export interface ProcessInfo {
  readonly state: ProcessState;
  /** Why the process is in this state, e.g. "exited with code 1", "killed by user". */
  readonly reason: string;
  readonly pid: number | null;
  /** Epoch ms of the current run's start, or null when not running. */
  readonly startedAt: number | null;
  readonly restarts: number;
  /** Epoch ms of the next automatic restart while in `backoff`. */
  readonly nextRestartAt: number | null;
}

/** What the node itself reported at its last successful poll (absent when never reached). */
export interface NodeReport {
  readonly status: NodeStatus;
  /** Each part is the node's last answer to its route; null while that route never answered. */
  readonly stats: Stats | null;
  readonly recovery: RecoveryStatus | null;
  readonly config: ConfigView | null;
  /** Epoch ms when this report was received. */
  readonly receivedAt: number;
}

export interface ManagedNode {
  readonly id: number;
  readonly httpUrl: string;
  /** `host:port` of the peer (Raft) listener; null in attach mode when the node never said. */
  readonly peerAddress: string | null;
  /** Null in attach mode: the manager does not own remote processes. */
  readonly process: ProcessInfo | null;
  readonly reachable: boolean;
  readonly report: NodeReport | null;
  /** Peers this node is currently cut off from by fault injection. */
  readonly partitionedFrom: readonly number[];
}

/**
 * `healthy`: every voter follows the leader and none lacks committed entries or chunks;
 * `degraded`: a working majority, but a voter is down, cut off or behind; `electing`: no working
 * majority behind a leader yet, but a majority of voters is alive and connected, so the cluster
 * elects one by itself; `noQuorum`: fewer than a majority of voters alive and connected.
 */
export type ClusterHealth = 'healthy' | 'degraded' | 'electing' | 'noQuorum';

export interface ClusterSnapshot {
  readonly mode: 'local' | 'attach';
  readonly profile: string;
  readonly nodes: readonly ManagedNode[];
  /**
   * The node that claims leadership in the highest term any reachable node reports, answers, and
   * is not cut off; null otherwise (followers' word alone never names a dead leader).
   */
  readonly leaderId: number | null;
  readonly health: ClusterHealth;
  /** How many more node failures the cluster survives with a quorum. */
  readonly faultTolerance: number;
  /** Nodes that follow the current leader in its term (the leader included). */
  readonly inQuorum: readonly number[];
  /** Nodes in quorum that lack entries the leader committed, or chunks (not "in sync"). */
  readonly behind: readonly number[];
  readonly updatedAt: number;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Where a line came from: the node's stdout or stderr, or the manager narrating supervision. */
export type LogSource = 'stdout' | 'stderr' | 'manager';

export interface LogLine {
  readonly nodeId: number;
  readonly source: LogSource;
  /** Epoch ms. */
  readonly time: number;
  readonly level: LogLevel;
  readonly msg: string;
  /** The parsed JSON line, or the raw text for lines that were not JSON. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface UploadProgress {
  readonly uploadId: string;
  readonly name: string;
  readonly bytesSent: number;
  readonly totalBytes: number | null;
  readonly state: 'uploading' | 'done' | 'failed' | 'cancelled';
  readonly error?: { readonly error: string; readonly detail: string };
}

/** `POST /api/archives` answer: a zip of the selection, ready to be fetched once from `url`. */
export interface ArchiveTicket {
  readonly id: string;
  /** `GET` it (a plain link, so the browser's or the app's own download handles it). */
  readonly url: string;
  readonly fileName: string;
  readonly files: number;
  /** The files' bytes, added up (the archive is a little larger). */
  readonly totalBytes: number;
}

/** How a zip download went: `sending` once fetched, then one of the others. */
export interface ArchiveProgress {
  readonly id: string;
  readonly fileName: string;
  readonly files: number;
  readonly state: 'sending' | 'done' | 'failed' | 'cancelled';
  /** Why a `failed` archive was cut off. */
  readonly detail?: string;
}

/**
 * `GET /api/events` (text/event-stream; `?logs=0` leaves out `log` events). Each SSE `event:` name
 * carries the payload below as JSON in `data:`. A new subscriber first receives `snapshot`, then
 * changes; `snapshot` is re-sent whenever any node's state changed (at most a few times a second),
 * and nothing while nothing changes; a `: ping` comment every 15 s keeps proxies from closing it.
 * What counts as a change ignores `updatedAt`, `receivedAt` and peers' `lastContactMs`, which move
 * on every poll, and `stats.diskFree` steps under 256 MiB (it moves with any disk activity on the
 * machine); a snapshot sent for any other reason carries their current values.
 */
export interface ManagerEvents {
  readonly snapshot: ClusterSnapshot;
  readonly log: LogLine;
  readonly upload: UploadProgress;
  readonly archive: ArchiveProgress;
  readonly leaderChange: { readonly time: number; readonly term: number; readonly leaderId: number | null };
  /**
   * Each event a node pushed (common/node-events.ts), as the manager received it: votes and
   * snapshots, which no snapshot shows, and role and progress changes, which the next snapshot
   * also carries.
   */
  readonly nodeEvent: NodeEvent;
  /**
   * Every watched folder, sent after the first snapshot and whenever any of them changed. Only
   * where the manager keeps the watched folders (web mode); in the app the preload bridge does.
   */
  readonly watchedFolders: readonly WatchedFolder[];
}

/** What happens in the cluster when a watched file is deleted (or renamed away) locally. */
export type WatchedDeletePolicy = 'upload-only' | 'mirror';

/** A watched folder's editable settings. */
export interface WatchedFolderSettings {
  /** `upload-only` (default) keeps the cluster's copy; `mirror` deletes it too (only what this folder uploaded). */
  readonly deletePolicy: WatchedDeletePolicy;
  /** Names or paths never uploaded (`*.swp`, `.git/`, `build/cache/`; see watched-ignore.ts). */
  readonly ignorePatterns: readonly string[];
  /** Seconds between full scans when nothing happens (besides the scans on start and after changes). */
  readonly rescanIntervalSec: number;
}

export interface WatchedFolderProblem {
  /** Relative path, or null for a problem with the folder itself. */
  readonly file: string | null;
  readonly error: string;
  readonly detail: string;
  /** Epoch ms. */
  readonly at: number;
}

/**
 * A local folder whose files the manager keeps in the cluster. The watcher reports changes fast;
 * full scans (on add, on start, after every burst of changes, and every `rescanIntervalSec`)
 * compare each file's size, mtime and, when needed, SHA-256 with what the cluster holds, so a
 * change the watcher missed is still found. The counts come from the last full scan, updated as
 * its pending files are uploaded.
 */
export interface WatchedFolder extends WatchedFolderSettings {
  readonly id: string;
  /** Absolute path on the manager's machine. */
  readonly path: string;
  /** Cluster names of this folder's files start with this, e.g. `Photos/`. */
  readonly remotePrefix: string;
  /**
   * `scanning` until the first full scan is done; `synced` only when the last full scan found
   * every file in the cluster with the same content and nothing changed since; `syncing` while
   * files wait, upload or retry, or a change awaits its scan; `error` when files failed for good
   * or the scan itself failed; `paused` while the folder is missing (an unplugged drive): nothing
   * is uploaded or deleted until it is back.
   */
  readonly state: 'scanning' | 'syncing' | 'synced' | 'error' | 'paused';
  /** A full scan is running now. */
  readonly scanning: boolean;
  /** Files waiting for their write to settle, queued, uploading or waiting to retry. */
  readonly pendingFiles: number;
  /**
   * Of those, files whose last try found no leader (or no node answering): sent again by
   * themselves once one is elected. Waiting, not a problem: they are not in `lastProblem`.
   */
  readonly waitingForLeader: number;
  readonly syncedFiles: number;
  /** Files that failed for a reason a retry cannot fix; retried when they change. */
  readonly failedFiles: number;
  /** Links leading out of the folder, special files, unreadable folders (ignored names are not counted). */
  readonly skippedFiles: number;
  /** Why files failed, in path order (at most 50). */
  readonly failures: readonly WatchedFolderProblem[];
  /** Why files were skipped (at most 20). */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  /** Relative paths being uploaded right now. */
  readonly uploading: readonly string[];
  /** Epoch ms. */
  readonly lastSyncedAt: number | null;
  readonly lastScan: {
    /** Epoch ms. */
    readonly finishedAt: number;
    readonly durationMs: number;
    /** Files found on disk (not ignored). */
    readonly files: number;
    /** Files whose content had to be read to compare them. */
    readonly hashed: number;
  } | null;
  readonly lastProblem: WatchedFolderProblem | null;
}

export type NodeAction = 'kill' | 'stop' | 'start' | 'restart' | 'pause' | 'resume';

/**
 * Commands (all JSON, errors as `{ error, detail }`):
 * - `GET  /api/cluster`                           → ClusterSnapshot
 * - `POST /api/nodes/:id/:action`                 NodeAction (local mode only; 409 in attach mode).
 *                                                  `kill` is a crash (SIGKILL, restarted with backoff);
 *                                                  `stop` is graceful and stays stopped; `start` also
 *                                                  clears `errored`.
 * - `POST /api/nodes/:id/leadership`              transfer leadership to this node
 * - `POST /api/partition`  PartitionRequest        cut the cluster into groups (nodes in different
 *                                                  groups cannot talk; unlisted nodes form one more
 *                                                  group); `DELETE /api/partition` heals all
 * - `POST /api/nodes`                             add a node (spawned, then joined by membership
 *                                                  change) → 201 AddedNode (local mode only)
 * - `DELETE /api/nodes/:id`                       remove a node from the membership, then stop it
 *                                                  and delete its data (local mode only)
 * - `GET  /api/logs?node=&level=&limit=`          → LogLine[] from the ring buffers (oldest first;
 *                                                  `level` is the minimum)
 * - `GET  /api/journal?since=&until=&limit=&names=&every=` → JournalRecord[] (see JournalRecord)
 * - `GET  /api/chart-history?since=&until=`      → ChartRecord[]: the charts' last hour (see ChartRecord)
 * - `GET  /api/files?prefix=&cursor=&limit=`      passthrough to a node's `GET /files`
 * - `PUT  /api/files/:name` (raw body, `X-Upload-Id` optional) streaming upload passthrough with
 *                                                  `upload` progress events
 * - `GET  /api/files/:name`, `DELETE /api/files/:name`, `GET /api/fileinfo?name=`
 * - `POST /api/archives` `{ names, base? }` (files, and folders as "dir/", inside `base`) → 201
 *   ArchiveTicket once every file was found; `GET /api/archives/:id` (once, within 5 minutes) streams
 *   the zip with its exact Content-Length, each file checked against its listed SHA-256; a file
 *   gone or changed mid-way cuts the stream off and sends an `archive` event with the reason
 * - `GET/PUT /api/config`  (`?node=` for node scope), `GET /api/locks`, `POST/PUT/DELETE /api/locks/:name`
 *   (acquire / renew / release)
 * - `GET  /api/profiles` → ProfileList; `PUT /api/profiles/:name` `{ nodes, secret?, token?, ca? }` (attach
 *   profiles only; `local` is built in; `token` is the nodes' client token, `ca` the PEM of the CA
 *   their HTTPS certificates chain to; both, like the secret, go to that profile's nodes only); `DELETE /api/profiles/:name`; `POST /api/profiles/:name/activate`
 *   switches the dashboard to that cluster (leaving `local` stops its nodes, coming back starts them).
 * - `GET  /api/watched-folders` → WatchedFolder[]; `POST /api/watched-folders` `{ path, deletePolicy?,
 *   ignorePatterns?, rescanIntervalSec? }` (absolute path) → 201 WatchedFolder; `PATCH
 *   /api/watched-folders/:id` with any of those settings → WatchedFolder (a rescan follows);
 *   `POST /api/watched-folders/:id/rescan` → 202; `POST /api/watched-folders/:id/resume` → WatchedFolder
 *   (a folder paused as `folder_on_other_drive` keeps what is there now; 409 otherwise);
 *   `DELETE /api/watched-folders/:id` (files already
 *   uploaded stay in the cluster); 409 where the manager does not keep them
 * - `POST /api/backups` `{ folder }` (an absolute path to a writable folder) → 201 SavedBackup: a backup
 *   streamed from the leader (else any reachable node), verified, saved as
 *   `<folder>/dfs-backup-<UTC time>.dfsbak`; nothing is left in the folder when it fails
 * Passthrough goes to the leader, or to any reachable node when none is known; 503 `unavailable`
 * when no node answers.
 */
export interface PartitionRequest {
  readonly groups: readonly (readonly number[])[];
}

export interface AddedNode {
  readonly id: number;
  readonly httpUrl: string;
  readonly peerAddress: string;
}

/** `POST /api/backups` answer: the archive saved, and what it holds. */
export interface SavedBackup {
  readonly path: string;
  /** The archive's size on disk. */
  readonly bytes: number;
  readonly files: number;
  /** The node that streamed it. */
  readonly node: number;
  /** The committed Raft index the backup is a cut at. */
  readonly index: number;
}

/** A saved cluster: `local` (the supervised nodes) or headless nodes running elsewhere. */
export interface ClusterProfile {
  readonly name: string;
  readonly kind: 'local' | 'attach';
  /** Attach profiles: the nodes' public API URLs and ids. */
  readonly nodes: readonly { readonly id: number; readonly httpUrl: string }[];
  /** Attach profiles: whether a cluster secret is saved, so partitions can be injected. */
  readonly hasSecret: boolean;
  /** Attach profiles: whether a client API token is saved (sent to this profile's nodes only). */
  readonly hasToken?: boolean;
  /** Attach profiles: whether a CA certificate is saved, against which the nodes' HTTPS is verified. */
  readonly hasCa?: boolean;
}

/** `PUT /api/profiles/:name` body. The secret and token are stored in 0600 files and never sent back. */
export interface SaveProfileRequest {
  readonly nodes: readonly { readonly id: number; readonly httpUrl: string }[];
  readonly secret?: string;
  /** The nodes' client API token. */
  readonly token?: string;
  /** PEM of the CA that signed the nodes' HTTPS certificates. */
  readonly ca?: string;
}

export interface ProfileList {
  readonly active: string;
  readonly profiles: readonly ClusterProfile[];
}

// ---- GET /api/s3-credentials ----------------------------------------------------------------

/** The key pair the local cluster's S3 endpoints accept (issue #17): for the "Connect a tool" snippets. */
export interface S3Access {
  readonly accessKey: string;
  readonly secretKey: string;
}
