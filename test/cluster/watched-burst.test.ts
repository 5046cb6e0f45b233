// The burst a watcher alone loses files in: 10,000 small files created at once across 100 new
// nested folders of a watched folder. Every one must reach the cluster with its exact content,
// and the folder may say "synced" only when a scan found them all there.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWithLeader, type TestCluster, waitFor } from './harness';
import { WatchedFolders } from '../../electron/manager/watched/watched-folders';
import { nodeCluster, type WatchedCluster } from '../../electron/manager/watched/watched-remote';

const FOLDERS = 100;
const FILES_PER_FOLDER = 100;

let cluster: TestCluster;
let dir: string;

beforeAll(async () => {
  ({ cluster } = await startWithLeader());
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dfs-watched-burst-')));
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const content = (folder: number, n: number) => `folder ${folder}, file ${n}\n`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

it('uploads all 10,000 files created in a burst across 100 new nested folders', async () => {
  const root = path.join(dir, 'Burst');
  await mkdir(root);
  const leader = await cluster.waitForLeader();
  const watchedCluster = nodeCluster(() => leader.url);
  let uploads = 0;
  const counting: WatchedCluster = {
    ...watchedCluster,
    upload: (...args) => {
      uploads++;
      return watchedCluster.upload(...args);
    },
  };
  // As many uploads in flight as the metadata benchmark uses: small files are bound by Raft round trips.
  const folders = await WatchedFolders.open({ stateFile: path.join(dir, 'state', 'watched-folders.json'), cluster: counting, stableMs: 300, burstQuietMs: 500, concurrency: 32 });
  try {
    await folders.add(root);
    await waitFor('the empty folder synced', () => folders.list()[0]?.state === 'synced');

    const expected = new Map<string, string>();
    const started = Date.now();
    // Folders are created while files are written into their siblings: the watcher attaches to
    // each new folder only after files may already be in it.
    await Promise.all(
      Array.from({ length: FOLDERS }, async (_, folder) => {
        const sub = path.join(root, `a${Math.floor(folder / 10)}`, `b${folder % 10}`);
        await mkdir(sub, { recursive: true });
        for (let n = 0; n < FILES_PER_FOLDER; n++) {
          const name = `a${Math.floor(folder / 10)}/b${folder % 10}/file-${n}.txt`;
          expected.set(`Burst/${name}`, sha(content(folder, n)));
          await writeFile(path.join(sub, `file-${n}.txt`), content(folder, n));
        }
      }),
    );
    const written = Date.now();

    let last = folders.list()[0];
    await waitFor(
      'every file synced',
      () => {
        last = folders.list()[0];
        return last?.state === 'synced' && last.syncedFiles === FOLDERS * FILES_PER_FOLDER;
      },
      150_000,
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last view: ${JSON.stringify({ ...last, failures: last?.failures.slice(0, 3) })}`);
    });
    const synced = Date.now();

    const listed = new Map<string, string>();
    for await (const file of watchedCluster.list('Burst/', AbortSignal.timeout(60_000))) listed.set(file.name, file.sha256);
    expect(listed.size).toBe(expected.size);
    const wrong = [...expected].filter(([name, hash]) => listed.get(name) !== hash);
    expect(wrong).toEqual([]);
    expect(folders.list()[0]).toMatchObject({ failedFiles: 0, pendingFiles: 0 });
    // Watcher and scans together send each file once: a scan skips what is queued or vouched for.
    expect(uploads).toBe(expected.size);
    console.log(JSON.stringify({ files: expected.size, uploads, writeMs: written - started, syncMs: synced - written, lastScan: folders.list()[0]?.lastScan }));
  } finally {
    await folders.close();
  }
}, 240_000);
