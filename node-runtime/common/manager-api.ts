// The contract between the manager (electron/manager/) and the dashboard (renderer/): the cluster
// snapshot, the Server-Sent Events that keep it current, and the commands the dashboard sends.
// All routes are relative (`/api/...`) and need `Authorization: Bearer <token>` (or `?token=` for
// EventSource, which cannot set headers). Cluster state flows node → manager → renderer and is
// never recomputed on the way: `report` holds exactly what the node answered.
import type { ConfigView, NodeStatus, RecoveryStatus, Stats } from './api-types';

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
  readonly stats: Stats;
  readonly recovery: RecoveryStatus;
  readonly config: ConfigView;
  /** Epoch ms when this report was received. */
  readonly receivedAt: number;
}

export interface ManagedNode {
  readonly id: number;
  readonly httpUrl: string;
  readonly peerAddress: string;
  /** Null in attach mode: the manager does not own remote processes. */
  readonly process: ProcessInfo | null;
  readonly reachable: boolean;
  readonly report: NodeReport | null;
  /** Peers this node is currently cut off from by fault injection. */
  readonly partitionedFrom: readonly number[];
}

export type ClusterHealth = 'healthy' | 'degraded' | 'noQuorum';

export interface ClusterSnapshot {
  readonly mode: 'local' | 'attach';
  readonly profile: string;
  readonly nodes: readonly ManagedNode[];
  /** The leader of the highest term any reachable node reports, or null. */
  readonly leaderId: number | null;
  readonly health: ClusterHealth;
  /** How many more node failures the cluster survives with a quorum. */
  readonly faultTolerance: number;
  readonly updatedAt: number;
}

export interface LogLine {
  readonly nodeId: number;
  /** Epoch ms. */
  readonly time: number;
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
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

/**
 * `GET /api/events` (text/event-stream). Each SSE `event:` name carries the payload below as JSON
 * in `data:`. A new subscriber first receives `snapshot`, then changes; `snapshot` is re-sent
 * whenever any node's state changed (at most a few times a second), and nothing while nothing changes.
 */
export interface ManagerEvents {
  readonly snapshot: ClusterSnapshot;
  readonly log: LogLine;
  readonly upload: UploadProgress;
  readonly leaderChange: { readonly time: number; readonly term: number; readonly leaderId: number | null };
}

export type NodeAction = 'kill' | 'stop' | 'start' | 'restart' | 'pause' | 'resume';

/**
 * Commands (all JSON, errors as `{ error, detail }`):
 * - `GET  /api/cluster`                           → ClusterSnapshot
 * - `POST /api/nodes/:id/:action`                 NodeAction (local mode only; 409 in attach mode)
 * - `POST /api/nodes/:id/leadership`              transfer leadership to this node
 * - `POST /api/partition`  `{ groups: number[][] }` cut the cluster into groups (nodes in different
 *                                                  groups cannot talk); `DELETE /api/partition` heals all
 * - `POST /api/nodes`                             add a node (spawned, then joined by membership change)
 * - `DELETE /api/nodes/:id`                       remove a node from the membership, then stop it
 * - `GET  /api/logs?node=&level=&limit=`          → LogLine[] from the ring buffers
 * - `GET  /api/files?prefix=&cursor=&limit=`      passthrough to a node's `GET /files`
 * - `PUT  /api/files/:name` (raw body, `X-Upload-Id` optional) streaming upload passthrough with progress events
 * - `GET  /api/files/:name`, `DELETE /api/files/:name`, `GET /api/fileinfo?name=`
 * - `GET/PUT /api/config`  (`?node=` for node scope), `GET /api/locks`, `POST/DELETE /api/locks/:name`
 */
export interface PartitionRequest {
  readonly groups: readonly (readonly number[])[];
}
