// The pure parts of electron/main/: where the app finds its pieces, the health line of the tray
// and menu, what "reset cluster" deletes, and the IPC argument checks.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSnapshot, ManagedNode } from '../../../node-runtime/common/manager-api';
import { appPaths } from '../../../electron/main/app-paths';
import { isFolderId, isRelativeFilePath } from '../../../electron/main/bridge';
import { deleteLocalCluster, localClusterEntries } from '../../../electron/main/cluster-reset';
import { clusterStatusLine } from '../../../electron/main/cluster-status';

describe('appPaths', () => {
  it('in development: everything under the project’s dist/ (dfs-node built by `node scripts/build.js node`)', () => {
    const paths = appPaths({ packaged: false, resourcesPath: '/electron/resources', appPath: '/src/dfs' });
    expect(paths).toEqual({
      rendererDir: '/src/dfs/dist/renderer',
      preload: '/src/dfs/dist/electron/preload.cjs',
      nodeCommand: { modulePath: '/src/dfs/dist/node/dfs-node.mjs', execArgv: [] },
      icon: '/src/dfs/assets/icon.png',
    });
  });

  it('packaged: the app inside the asar, the node runtime unpacked beside it', () => {
    const paths = appPaths({ packaged: true, resourcesPath: '/opt/DFS Desktop/resources', appPath: '/opt/DFS Desktop/resources/app.asar' });
    expect(paths.rendererDir).toBe('/opt/DFS Desktop/resources/app.asar/dist/renderer');
    expect(paths.nodeCommand).toEqual({ modulePath: '/opt/DFS Desktop/resources/node-runtime/dfs-node.mjs', execArgv: [] });
  });
});

function node(id: number, reachable: boolean): ManagedNode {
  return { id, httpUrl: `http://127.0.0.1:${8080 + id}`, peerAddress: null, process: null, reachable, report: null, partitionedFrom: [] };
}

function snapshot(overrides: Partial<ClusterSnapshot>): ClusterSnapshot {
  return {
    mode: 'local',
    profile: 'local',
    nodes: [node(1, true), node(2, true), node(3, true)],
    leaderId: 2,
    health: 'healthy',
    faultTolerance: 1,
    inQuorum: [1, 2, 3],
    behind: [],
    updatedAt: 0,
    ...overrides,
  };
}

describe('clusterStatusLine', () => {
  it('says the snapshot’s health and leader, and how many nodes answer', () => {
    expect(clusterStatusLine(snapshot({}))).toEqual({
      label: 'Healthy · leader node 2',
      tooltip: 'DFS Desktop — local cluster: Healthy · leader node 2 · 3 of 3 nodes answering',
    });
  });

  it('degraded, no quorum, attached clusters and the time before the first snapshot', () => {
    expect(clusterStatusLine(snapshot({ health: 'degraded', nodes: [node(1, true), node(2, true), node(3, false)] })).tooltip).toContain('Degraded · leader node 2 · 2 of 3');
    expect(clusterStatusLine(snapshot({ health: 'noQuorum', leaderId: null })).label).toBe('No quorum · no leader');
    expect(clusterStatusLine(snapshot({ mode: 'attach', profile: 'lab' })).tooltip).toContain('cluster "lab"');
    expect(clusterStatusLine(null).label).toBe('Starting the cluster…');
  });
});

describe('resetting the local cluster', () => {
  let dataDir = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dfs-reset-'));
    for (const dir of ['node-1', 'node-2', 'node-12', 'profiles', 'node-x']) await mkdir(path.join(dataDir, dir, 'wal'), { recursive: true });
    for (const file of ['cluster.json', 'cluster.secret', 'profiles.json', 'watched-folders.json', 'manager.log']) await writeFile(path.join(dataDir, file), '{}');
  });

  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('deletes the membership, the secret and every node’s data, and keeps profiles, watched folders and logs', async () => {
    expect((await localClusterEntries(dataDir)).map((p) => path.basename(p)).sort()).toEqual(['cluster.json', 'cluster.secret', 'node-1', 'node-12', 'node-2']);
    await deleteLocalCluster(dataDir);
    expect((await readdir(dataDir)).sort()).toEqual(['manager.log', 'node-x', 'profiles', 'profiles.json', 'watched-folders.json']);
  });

  it('a data folder that does not exist yet has nothing to delete', async () => {
    expect(await localClusterEntries(path.join(dataDir, 'missing'))).toEqual([]);
  });
});

describe('IPC argument checks', () => {
  it.each([
    ['3f1c2a9e-1b2c-4d5e-8f90-123456789abc', true],
    ['f1', true],
    ['', false],
    ['../x', false],
    [42, false],
    [null, false],
  ])('folder id %j → %s', (value, expected) => {
    expect(isFolderId(value)).toBe(expected);
  });

  it.each([
    ['report.pdf', true],
    ['q3/sales data.csv', true],
    ['../outside.txt', false],
    ['a/../../b', false],
    ['/etc/passwd', false],
    ['C:/Windows/win.ini', false],
    ['a\\..\\b', false],
    ['a//b', false],
    ['./a', false],
    ['a\0b', false],
    ['', false],
    [7, false],
  ])('relative path %j → %s', (value, expected) => {
    expect(isRelativeFilePath(value)).toBe(expected);
  });
});
