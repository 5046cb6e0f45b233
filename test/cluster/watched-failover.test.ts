// Watched-folder uploads ride through a leader election: the leader is killed while a folder's
// files are being uploaded, and every file still reaches the cluster with its content, once: a
// retry carries the request id of the try before it. Meanwhile the folder says its files wait
// for a leader, never that they failed.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWithLeader, type TestCluster, waitFor } from './harness';
import { WatchedFolders } from '../../electron/manager/watched/watched-folders';
import { nodeCluster, type WatchedCluster } from '../../electron/manager/watched/watched-remote';
import type { WatchedFolder } from '../../node-runtime/common/manager-api';

const FILES = 200;

let cluster: TestCluster;
let dir: string;

beforeAll(async () => {
  ({ cluster } = await startWithLeader());
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dfs-watched-failover-')));
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

it('uploads every file of a folder although the leader is killed halfway', async () => {
  const leader = await cluster.waitForLeader();
  const root = path.join(dir, 'Failover');
  await mkdir(path.join(root, 'sub'), { recursive: true });
  const expected = new Map<string, string>();
  for (let n = 0; n < FILES; n++) {
    const name = `sub/file-${n}.txt`;
    await writeFile(path.join(root, name), `file ${n}\n`);
    expected.set(`Failover/${name}`, sha(`file ${n}\n`));
  }
  // Like the manager: whichever node is running, the leader first while it lives.
  const target = () => (cluster.running().find((n) => n.id === leader.id) ?? cluster.running()[0])!.url;
  const real = nodeCluster(target);
  let uploaded = 0;
  const requestIds = new Map<string, string[]>();
  const counting: WatchedCluster = {
    ...real,
    upload: async (...args) => {
      requestIds.set(args[0], [...(requestIds.get(args[0]) ?? []), args[4] ?? 'none']);
      const hash = await real.upload(...args);
      uploaded++;
      return hash;
    },
  };
  const folders = await WatchedFolders.open({ stateFile: path.join(dir, 'state', 'watched-folders.json'), cluster: counting, stableMs: 100, retryBaseMs: 100, concurrency: 4 });
  const views: WatchedFolder[] = [];
  folders.onChange((list) => views.push(...list));
  try {
    await folders.add(root);
    await waitFor('some files uploaded', () => uploaded >= FILES / 4, 30_000, 10);
    await cluster.kill(leader);
    expect(uploaded).toBeLessThan(FILES);
    await waitFor('every file synced', () => {
      const view = folders.list()[0];
      return view?.state === 'synced' && view.syncedFiles === FILES;
    }, 60_000, 100);
    // The tries cut off by the kill waited for a leader: shown as waiting, never as a problem.
    expect(Math.max(...views.map((v) => v.waitingForLeader))).toBeGreaterThan(0);
    expect(views.filter((v) => v.lastProblem !== null || v.failedFiles > 0 || v.state === 'error')).toEqual([]);
    expect(folders.list()[0]?.waitingForLeader).toBe(0);
    const listed = new Map<string, string>();
    for await (const file of nodeCluster(() => cluster.running()[0]!.url).list('Failover/', AbortSignal.timeout(30_000))) listed.set(file.name, file.sha256);
    expect(listed).toEqual(expected);
    expect(folders.list()[0]).toMatchObject({ failedFiles: 0 });
    // Every try of one (unchanged) file under one request id, and each file written once.
    for (const [name, ids] of requestIds) expect(new Set(ids).size, `${name}: ${ids.join(', ')}`).toBe(1);
    expect([...requestIds.values()].some((ids) => ids.length > 1)).toBe(true);
    const survivor = cluster.running()[0]!;
    for (const name of expected.keys()) {
      const info = (await (await fetch(`${survivor.url}/fileinfo?name=${encodeURIComponent(name)}&consistency=linearizable`)).json()) as { version: number };
      expect(info.version, name).toBe(1);
    }
  } finally {
    await folders.close();
  }
}, 120_000);
