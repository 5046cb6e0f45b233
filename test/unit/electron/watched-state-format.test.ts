// Formats are promises: the manager must open the watched-folder state that earlier releases wrote.
// test/fixtures/watched-folders-v2 was written by the version 2 code; see its README.
import { cp, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, waitFor } from '../../cluster/harness';
import { WatchedFolders } from '../../../electron/manager/watched/watched-folders';
import { FolderIndex, type IndexEntry } from '../../../electron/manager/watched/watched-index';
import { nodeCluster } from '../../../electron/manager/watched/watched-remote';

const FIXTURE = path.join(repoRoot, 'test/fixtures/watched-folders-v2');
const FOLDER_ID = '73d257ef-bd6e-43c4-a8b5-bed81a9db64e';
// No node listens here: the folder's scan fails and retries, which this test does not wait for.
const unreachable = nodeCluster(() => 'http://127.0.0.1:1');

let dir: string;

beforeAll(async () => {
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dfs-watched-format-')));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('watched-folder state written by version 2', () => {
  it('opens with every setting, the index and its journal, and points the folder where it is now', async () => {
    const state = path.join(dir, 'state');
    await cp(FIXTURE, state, { recursive: true });
    const stateFile = path.join(state, 'watched-folders.json');
    const photos = path.join(dir, 'Photos');
    await mkdir(photos);
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { folders: { path: string }[] };
    saved.folders[0]!.path = photos;
    await writeFile(stateFile, JSON.stringify(saved));

    const index = await FolderIndex.open(path.join(state, 'watched-index', FOLDER_ID));
    const entries: IndexEntry[] = [];
    for await (const entry of index.entries()) entries.push(entry);
    expect(entries.map((e) => [e.p, e.s])).toEqual([['a.jpg', 3]]);
    expect(index.recorded('trip/b.jpg')).toMatchObject({ s: 5, m: 1700000001000 });

    const folders = await WatchedFolders.open({ stateFile, cluster: unreachable });
    try {
      expect(folders.list()).toMatchObject([
        { id: FOLDER_ID, path: photos, remotePrefix: 'Photos/', deletePolicy: 'mirror', ignorePatterns: ['*.tmp', 'cache/'], rescanIntervalSec: 120 },
      ]);
      await waitFor('the folder to be watched', () => folders.list()[0]?.state !== 'paused');
    } finally {
      await folders.close();
    }
  });
});
