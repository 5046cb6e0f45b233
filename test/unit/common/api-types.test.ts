import { describe, expect, it } from 'vitest';
import {
  configViewSchema,
  fileListSchema,
  nodeStatusSchema,
  quotaUsage,
  recoveryStatusSchema,
  statsSchema,
  type NodeStatus,
  type RecoveryStatus,
  type Stats,
} from '../../../node-runtime/common/api-types';

describe('Stats', () => {
  it('accepts the seed README example extended with our node fields', () => {
    const stats: Stats = {
      totalFiles: 42,
      totalSize: 1048576,
      quotaUsed: 0.25,
      quotaLimit: 4194304,
      storageUsage: '25.0%',
      nodeStatus: 'healthy',
      lastBackup: '2025-09-20T10:30:00Z',
      bytesOnDisk: 1_100_000,
      chunkCount: 3,
      diskFree: null,
      traffic: { uploadedBytes: 1048576, downloadedBytes: 0, requests: 12, proposalsCommitted: 7, proposalsFailed: 1, latencyP50Ms: 1.5, latencyP95Ms: 9 },
    };
    expect(statsSchema.parse(stats)).toEqual(stats);
    // A node of an older version reports no proposal counters: read as none.
    const { proposalsCommitted: _c, proposalsFailed: _f, ...olderTraffic } = stats.traffic;
    expect(statsSchema.parse({ ...stats, traffic: olderTraffic }).traffic).toEqual({ ...olderTraffic, proposalsCommitted: 0, proposalsFailed: 0 });
    expect(statsSchema.safeParse({ ...stats, lastBackup: 'yesterday' }).success).toBe(false);
  });

  it('computes the seed quota fields the same way everywhere', () => {
    expect(quotaUsage(1048576, 4194304)).toEqual({ quotaUsed: 0.25, storageUsage: '25.0%' });
    expect(quotaUsage(1, 3)).toEqual({ quotaUsed: 1 / 3, storageUsage: '33.3%' });
    expect(quotaUsage(0, 0)).toEqual({ quotaUsed: 0, storageUsage: '0.0%' });
    expect(quotaUsage(5, 0)).toEqual({ quotaUsed: 1, storageUsage: '100.0%' });
  });
});

describe('NodeStatus', () => {
  it('accepts a leader with peer progress and a follower without', () => {
    const leader: NodeStatus = {
      id: 1, role: 'leader', term: 3, leaderId: 1, leaderUrl: 'http://127.0.0.1:8081',
      commitIndex: 10, appliedIndex: 10, lastIndex: 11, snapshotIndex: 0, votedFor: 1, logTerms: [{ from: 1, to: 1, term: 1 }, { from: 2, to: 11, term: 3 }],
      peers: [{ id: 2, url: 'http://127.0.0.1:8082', isLearner: false, state: 'replicate', match: 10, next: 12, lastContactMs: 40 }],
    };
    const follower: NodeStatus = {
      ...leader, id: 2, role: 'follower',
      peers: [{ id: 1, url: null, isLearner: false, state: null, match: null, next: null, lastContactMs: null }],
    };
    expect(nodeStatusSchema.parse(leader)).toEqual(leader);
    expect(nodeStatusSchema.parse(follower)).toEqual(follower);
    expect(nodeStatusSchema.safeParse({ ...leader, leaderId: 0 }).success).toBe(false);
  });
});

describe('RecoveryStatus, FileList, ConfigView', () => {
  it('accepts a node catching up', () => {
    const status: RecoveryStatus = {
      recoveryEnabled: true, catchingUp: true, entriesBehind: 120,
      snapshot: { inProgress: true, bytesReceived: 4096, bytesTotal: 8192 },
      chunksMissing: 5, chunksFetched: 2, bytesFetched: 2_000_000, etaSec: 3.5,
      scrub: { running: false, lastRun: { startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', checked: 10, corrupt: 1, repaired: 1, unrepairable: 0, bytesPerSec: 1e6, bytesChecked: 10_485_760, removed: 0, leftCorrupt: 0, missing: 0 }, current: null },
      backgroundServices: { gc: { lastRunAt: null, lastDurationMs: null, lastError: null, running: false, lastResult: null } },
    };
    expect(recoveryStatusSchema.parse(status)).toEqual(status);
  });

  it('accepts an empty last page and a config entry, and refuses an unknown source', () => {
    expect(fileListSchema.parse({ items: [], nextCursor: null })).toEqual({ items: [], nextCursor: null });
    const view = { storageQuota: { value: 1, scope: 'cluster', source: 'api' } };
    expect(configViewSchema.parse(view)).toEqual(view);
    expect(configViewSchema.safeParse({ storageQuota: { value: 1, scope: 'cluster', source: 'magic' } }).success).toBe(false);
  });
});
