// Realistic manager snapshots for renderer tests: a three-node local cluster with every report
// filled in as a node would answer, and helpers to bend it into the states a test needs.
import type { ConfigView, FileListItem, NodeStatus, RecoveryStatus, Stats } from '../../../node-runtime/common/api-types';
import type { ClusterSnapshot, ManagedNode, ProcessInfo } from '../../../node-runtime/common/manager-api';

export const T0 = Date.UTC(2026, 10, 26, 14, 0, 0);
const MiB = 1024 * 1024;

export function status(id: number, patch: Partial<NodeStatus> = {}): NodeStatus {
  return {
    id,
    role: 'follower',
    term: 4,
    leaderId: 1,
    leaderUrl: 'http://127.0.0.1:8081',
    commitIndex: 120,
    appliedIndex: 120,
    lastIndex: 120,
    snapshotIndex: 0,
    votedFor: null,
    logTerms: [{ from: 1, to: 120, term: 3 }],
    peers: [],
    ...patch,
  };
}

export function stats(patch: Partial<Stats> = {}): Stats {
  return {
    totalFiles: 42,
    totalSize: 300 * MiB,
    quotaUsed: 0.3,
    quotaLimit: 1000 * MiB,
    storageUsage: '30.0%',
    nodeStatus: 'healthy',
    lastBackup: null,
    bytesOnDisk: 310 * MiB,
    chunkCount: 320,
    diskFree: 50_000 * MiB,
    traffic: { uploadedBytes: 0, downloadedBytes: 0, requests: 0, proposalsCommitted: 0, proposalsFailed: 0, latencyP50Ms: null, latencyP95Ms: null },
    ...patch,
  };
}

export function recovery(patch: Partial<RecoveryStatus> = {}): RecoveryStatus {
  return {
    recoveryEnabled: true,
    catchingUp: false,
    entriesBehind: 0,
    snapshot: { inProgress: false, bytesReceived: 0, bytesTotal: null },
    chunksMissing: 0,
    chunksFetched: 0,
    bytesFetched: 0,
    etaSec: null,
    scrub: { running: false, lastRun: null, current: null },
    backgroundServices: {},
    ...patch,
  };
}

export function config(patch: Partial<Record<string, ConfigView[string]>> = {}): ConfigView {
  const base: ConfigView = {
    storageQuota: { value: 1000 * MiB, scope: 'cluster', source: 'file' },
    heartbeatInterval: { value: 100, scope: 'cluster', source: 'default' },
    electionTimeout: { value: 1000, scope: 'cluster', source: 'default' },
    recoveryEnabled: { value: true, scope: 'cluster', source: 'default' },
    scrubRateBytesPerSec: { value: 16 * MiB, scope: 'cluster', source: 'default' },
    scrubIntervalSec: { value: 3600, scope: 'cluster', source: 'default' },
    chunkSize: { value: MiB, scope: 'cluster', source: 'default' },
    snapshotThreshold: { value: 10_000, scope: 'cluster', source: 'default' },
    lockDefaultTtlMs: { value: 30_000, scope: 'cluster', source: 'default' },
    logLevel: { value: 'info', scope: 'node', source: 'flag' },
    diskReserveBytes: { value: 256 * MiB, scope: 'node', source: 'default' },
    bodyIdleTimeoutMs: { value: 30_000, scope: 'node', source: 'default' },
    openHealthRoutes: { value: true, scope: 'node', source: 'default' },
    maxConcurrentUploads: { value: 64, scope: 'node', source: 'default' },
    requestTimeoutMs: { value: 300_000, scope: 'node', source: 'default' },
    maxHeaderBytes: { value: 16_384, scope: 'node', source: 'default' },
    maxFileBytes: { value: 10 * 1024 * MiB, scope: 'cluster', source: 'default' },
  };
  const out: ConfigView = { ...base };
  for (const [key, entry] of Object.entries(patch)) if (entry !== undefined) out[key] = entry;
  return out;
}

export function processInfo(patch: Partial<ProcessInfo> = {}): ProcessInfo {
  return { state: 'running', reason: 'started by the supervisor', pid: 4242, startedAt: T0 - 65_000, restarts: 0, nextRestartAt: null, ...patch };
}

export function node(id: number, patch: Partial<ManagedNode> & { status?: Partial<NodeStatus>; stats?: Partial<Stats>; recovery?: Partial<RecoveryStatus> } = {}): ManagedNode {
  const { status: statusPatch, stats: statsPatch, recovery: recoveryPatch, ...rest } = patch;
  return {
    id,
    httpUrl: `http://127.0.0.1:${8080 + id}`,
    peerAddress: `127.0.0.1:${3029 + id}`,
    process: processInfo({ pid: 4240 + id }),
    reachable: true,
    report: {
      status: status(id, statusPatch),
      stats: stats(statsPatch),
      recovery: recovery(recoveryPatch),
      config: config(),
      receivedAt: T0 - 300,
    },
    partitionedFrom: [],
    ...rest,
  };
}

/** Three healthy nodes, node 1 leading term 4, everyone at index 120. */
export function healthyCluster(patch: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    mode: 'local',
    profile: 'local',
    nodes: [
      node(1, {
        status: {
          role: 'leader',
          peers: [
            { id: 2, url: 'http://127.0.0.1:8082', isLearner: false, state: 'replicate', match: 120, next: 121, lastContactMs: 40 },
            { id: 3, url: 'http://127.0.0.1:8083', isLearner: false, state: 'replicate', match: 117, next: 121, lastContactMs: 60 },
          ],
        },
      }),
      node(2),
      node(3, { status: { commitIndex: 117, appliedIndex: 117, lastIndex: 117 } }),
    ],
    leaderId: 1,
    health: 'healthy',
    faultTolerance: 1,
    inQuorum: [1, 2, 3],
    behind: [],
    updatedAt: T0,
    ...patch,
  };
}

/** Node 2 and 3 stopped: node 1 alone, no leader. */
export function noQuorumCluster(): ClusterSnapshot {
  const base = healthyCluster();
  return {
    ...base,
    nodes: [
      node(1, { status: { role: 'preCandidate', leaderId: null, term: 4 } }),
      node(2, { reachable: false, report: null, process: processInfo({ state: 'stopped', reason: 'stopped by user', pid: null, startedAt: null }) }),
      node(3, { reachable: false, report: null, process: processInfo({ state: 'crashed', reason: 'exited with code 1', pid: null, startedAt: null }) }),
    ],
    leaderId: null,
    health: 'noQuorum',
    faultTolerance: 0,
    inQuorum: [],
  };
}

export function fileItem(name: string, patch: Partial<FileListItem> = {}): FileListItem {
  return {
    name,
    size: 2048,
    sha256: 'a'.repeat(64),
    version: 7,
    revision: 41,
    createdAt: '2026-11-26T13:00:00.000Z',
    modifiedAt: '2026-11-26T13:30:00.000Z',
    ...patch,
  };
}
