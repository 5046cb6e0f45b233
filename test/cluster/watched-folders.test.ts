// Watched folders on real folders against a real three-node cluster: full scans find what the
// watcher did not report, the status says "synced" only when a scan found every file in the
// cluster with the same content, files are uploaded only once still, ignore patterns, links,
// renames and deletes under both policies, and a folder that goes away and comes back.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, realpath, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWithLeader, type TestCluster, waitFor } from './harness';
import type { WatchedFolder } from '../../node-runtime/common/manager-api';
import { WatchedFolders, type WatchedFoldersOptions } from '../../electron/manager/watched/watched-folders';
import { DEFAULT_IGNORE_PATTERNS } from '../../electron/manager/watched/watched-ignore';
import { nodeCluster, type WatchedCluster } from '../../electron/manager/watched/watched-remote';
import { UploadError } from '../../electron/manager/watched/watched-upload';

const timing = { stableMs: 300, burstQuietMs: 300, retryBaseMs: 100, rootCheckMs: 200, concurrency: 8 };

let cluster: TestCluster;
let dir: string;

beforeAll(async () => {
  ({ cluster } = await startWithLeader());
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dfs-watched-')));
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const leaderUrl = () => cluster.nodes[0]!.url;

/** The real cluster, recording every upload it was asked for and when the last one ended. */
function recording(base: () => string = leaderUrl): { cluster: WatchedCluster; uploads: string[]; lastDoneAt: () => number } {
  const uploads: string[] = [];
  let lastDoneAt = 0;
  const real = nodeCluster(base);
  return {
    uploads,
    lastDoneAt: () => lastDoneAt,
    cluster: {
      ...real,
      upload: async (name, file, size, signal) => {
        uploads.push(name);
        const hash = await real.upload(name, file, size, signal);
        lastDoneAt = Date.now();
        return hash;
      },
    },
  };
}

async function open(stateName: string, watched: WatchedCluster, extra: Partial<WatchedFoldersOptions> = {}): Promise<WatchedFolders> {
  return WatchedFolders.open({ stateFile: path.join(dir, stateName, 'watched-folders.json'), cluster: watched, ...timing, ...extra });
}

async function clusterFile(name: string): Promise<Buffer | null> {
  const leader = await cluster.waitForLeader();
  const res = await fetch(`${leader.url}/download?name=${encodeURIComponent(name)}`);
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`download ${name}: ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}

async function clusterNames(prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const file of nodeCluster(leaderUrl).list(prefix, AbortSignal.timeout(30_000))) names.push(file.name);
  return names;
}

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

async function until(folders: WatchedFolders, what: string, probe: (view: WatchedFolder) => boolean, timeoutMs = 30_000): Promise<WatchedFolder> {
  let last: WatchedFolder | undefined;
  try {
    return await waitFor(what, () => {
      last = folders.list()[0];
      return last && probe(last) ? last : undefined;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last view: ${JSON.stringify(last)}`);
  }
}

const synced = (files: number) => (v: WatchedFolder) => v.state === 'synced' && v.syncedFiles === files && v.pendingFiles === 0;

describe('scans make a watched folder complete and its status true', () => {
  it('uploads 300 files created in 15 new nested folders at once, and says synced only after a scan found them all', async () => {
    const root = path.join(dir, 'Burst');
    await mkdir(root);
    const watched = recording();
    const folders = await open('burst', watched.cluster);
    try {
      await folders.add(root);
      await until(folders, 'the empty folder synced', synced(0));
      const writes: Promise<void>[] = [];
      for (let n = 0; n < 300; n++) {
        const sub = path.join(root, `a${n % 3}`, `b${Math.floor(n / 3) % 5}`);
        writes.push(mkdir(sub, { recursive: true }).then(() => writeFile(path.join(sub, `file-${n}.txt`), `file ${n}\n`)));
      }
      await Promise.all(writes);
      const view = await until(folders, 'all 300 synced', synced(300), 60_000);
      expect(view).toMatchObject({ failedFiles: 0, lastProblem: null });
      // "Synced" came from a scan that finished after the last upload, not from the uploads alone.
      expect(view.lastScan!.finishedAt).toBeGreaterThanOrEqual(watched.lastDoneAt());
      const names = await clusterNames('Burst/');
      expect(names).toHaveLength(300);
      // Each file was sent once: the scan after the burst found the watcher's uploads done.
      expect(new Set(watched.uploads).size).toBe(300);
    } finally {
      await folders.close();
    }
  }, 90_000);

  it('finds files written while it was not running, and a file the cluster lost, without sending unchanged files again', async () => {
    const root = path.join(dir, 'Restart');
    await mkdir(path.join(root, 'docs'), { recursive: true });
    await writeFile(path.join(root, 'docs', 'one.txt'), 'one');
    await writeFile(path.join(root, 'two.txt'), 'two');
    const first = recording();
    const folders = await open('restart', first.cluster);
    try {
      await folders.add(root);
      await until(folders, 'the first scan synced', synced(2));
    } finally {
      await folders.close();
    }
    // While the manager is stopped: a new file in a new folder, an edit, and the cluster loses a file.
    await mkdir(path.join(root, 'new', 'deeper'), { recursive: true });
    await writeFile(path.join(root, 'new', 'deeper', 'three.txt'), 'three');
    await writeFile(path.join(root, 'two.txt'), 'two, edited');
    expect((await fetch(`${leaderUrl()}/files/Restart/docs/one.txt`, { method: 'DELETE' })).status).toBe(200);

    const again = recording();
    const reopened = await open('restart', again.cluster);
    try {
      await until(reopened, 'synced after the restart', synced(3));
      expect(again.uploads.sort()).toEqual(['Restart/docs/one.txt', 'Restart/new/deeper/three.txt', 'Restart/two.txt']);
      expect((await clusterFile('Restart/two.txt'))?.toString()).toBe('two, edited');
      expect((await clusterFile('Restart/docs/one.txt'))?.toString()).toBe('one');

      // A rescan with nothing changed hashes nothing and sends nothing.
      const before = reopened.list()[0]!.lastScan!.finishedAt;
      reopened.rescan(reopened.list()[0]!.id);
      const after = await until(reopened, 'a second scan', (v) => v.lastScan !== null && v.lastScan.finishedAt > before && !v.scanning);
      expect(after).toMatchObject({ state: 'synced', syncedFiles: 3, lastScan: { files: 3, hashed: 0 } });
      expect(again.uploads).toHaveLength(3);
    } finally {
      await reopened.close();
    }

    // The index lost (a crash, a copied state file): files already in the cluster are hashed, not sent.
    await rm(path.join(dir, 'restart', 'watched-index'), { recursive: true });
    const third = recording();
    const rebuilt = await open('restart', third.cluster);
    try {
      const view = await until(rebuilt, 'synced from hashes', synced(3));
      expect(view.lastScan).toMatchObject({ files: 3, hashed: 3 });
      expect(third.uploads).toEqual([]);
    } finally {
      await rebuilt.close();
    }
  }, 90_000);

  it('uploads a file that grows slowly only once, whole, after it stopped changing', async () => {
    const root = path.join(dir, 'Growing');
    await mkdir(root);
    const watched = recording();
    // Stillness of a whole second, with a piece every 150 ms: a loaded machine would have to stall for a second to cut in.
    const folders = await open('growing', watched.cluster, { stableMs: 1000 });
    try {
      await folders.add(root);
      await until(folders, 'the empty folder synced', synced(0));
      const file = path.join(root, 'copy in progress.bin');
      const pieces = Array.from({ length: 12 }, (_, i) => Buffer.alloc(64 * 1024, i + 1));
      await writeFile(file, pieces[0]!);
      for (const piece of pieces.slice(1)) {
        // Slower than a scan after a burst, faster than the stillness required.
        await new Promise((resolve) => setTimeout(resolve, 150));
        await appendFile(file, piece);
        expect(watched.uploads).toEqual([]);
      }
      await until(folders, 'the finished file synced', synced(1));
      expect(watched.uploads).toEqual(['Growing/copy in progress.bin']);
      const stored = await clusterFile('Growing/copy in progress.bin');
      expect(stored && sha(stored)).toBe(sha(Buffer.concat(pieces)));
    } finally {
      await folders.close();
    }
  }, 60_000);
});

describe('what a watched folder uploads', () => {
  it('ignores temporary and editor files by default, follows edited patterns, and never follows links out', async () => {
    const root = path.join(dir, 'Ignore');
    const outside = path.join(dir, 'outside-secret.txt');
    await mkdir(path.join(root, '.git'), { recursive: true });
    await mkdir(path.join(root, 'logs'));
    await writeFile(outside, 'not in the watched folder');
    const files: Record<string, string> = {
      'notes.txt': 'kept',
      'notes.txt.swp': 'vim',
      'notes.txt~': 'backup',
      'movie.mkv.part': 'partial',
      'setup.exe.crdownload': 'partial',
      '.DS_Store': 'finder',
      '.git/config': 'git',
      'logs/app.log': 'a log',
    };
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(root, name), text);
    await symlink(outside, path.join(root, 'link-out.txt'));
    await symlink(path.join(root, 'notes.txt'), path.join(root, 'link-in.txt'));
    const watched = recording();
    const folders = await open('ignore', watched.cluster);
    try {
      const added = await folders.add(root, { ignorePatterns: [...DEFAULT_IGNORE_PATTERNS, 'logs/'] });
      const view = await until(folders, 'the first scan synced', synced(2));
      expect(await clusterNames('Ignore/')).toEqual(['Ignore/link-in.txt', 'Ignore/notes.txt']);
      expect((await clusterFile('Ignore/link-in.txt'))?.toString()).toBe('kept');
      expect(view.skippedFiles).toBe(1);
      expect(view.skipped).toEqual([{ path: 'link-out.txt', reason: 'a link to something outside the watched folder' }]);

      // Dropping the logs/ pattern uploads what it hid; a new pattern hides new files.
      await folders.update(added.id, { ignorePatterns: [...DEFAULT_IGNORE_PATTERNS, '*.bak'] });
      await writeFile(path.join(root, 'old.bak'), 'backup');
      await until(folders, 'synced with the new patterns', synced(3));
      expect(await clusterNames('Ignore/')).toEqual(['Ignore/link-in.txt', 'Ignore/logs/app.log', 'Ignore/notes.txt']);
      expect(watched.uploads.some((name) => /swp|~|part|crdownload|DS_Store|\.git|\.bak|link-out/.test(name))).toBe(false);
    } finally {
      await folders.close();
    }
  }, 60_000);

  it('keeps retrying while no node answers, then syncs when the cluster is back', async () => {
    const root = path.join(dir, 'Offline');
    await mkdir(root);
    await writeFile(path.join(root, 'note.txt'), 'written while the cluster was unreachable');
    let base = 'http://127.0.0.1:1';
    const folders = await open('offline', recording(() => base).cluster);
    try {
      await folders.add(root);
      const waiting = await until(folders, 'a retryable failure', (v) => v.lastProblem?.error === 'unavailable');
      expect(waiting.state).not.toBe('synced');
      base = cluster.nodes[1]!.url;
      const back = await until(folders, 'synced once a node answers', synced(1));
      expect((await clusterFile('Offline/note.txt'))?.toString()).toBe('written while the cluster was unreachable');

      // A scan that cannot reach the cluster cannot vouch for the folder: not "synced" meanwhile.
      base = 'http://127.0.0.1:1';
      folders.rescan(back.id);
      await until(folders, 'the failed scan shown', (v) => v.state === 'error' && v.lastProblem?.error === 'unavailable');
      base = cluster.nodes[2]!.url;
      await until(folders, 'synced after a scan succeeds again', (v) => synced(1)(v) && v.lastProblem === null);
    } finally {
      await folders.close();
    }
  }, 60_000);

  it('shows each file the cluster refuses as failed, with its reason, until it changes', async () => {
    const root = path.join(dir, 'Refused');
    await mkdir(root);
    await writeFile(path.join(root, 'locked.txt'), 'v1');
    await writeFile(path.join(root, 'fine.txt'), 'fine');
    let refuse = true;
    const real = nodeCluster(leaderUrl);
    const refusing: WatchedCluster = {
      ...real,
      upload: async (name, file, size, signal) => {
        if (refuse && name.endsWith('locked.txt')) throw new UploadError('locked', `${name} is locked by someone else`, false);
        return real.upload(name, file, size, signal);
      },
    };
    const folders = await open('refused', refusing);
    try {
      await folders.add(root);
      const failed = await until(folders, 'the refusal', (v) => v.state === 'error' && !v.scanning && v.pendingFiles === 0);
      expect(failed).toMatchObject({ failedFiles: 1, syncedFiles: 1, failures: [{ file: 'locked.txt', error: 'locked', detail: 'Refused/locked.txt is locked by someone else' }] });
      // A rescan does not try it again while it is unchanged.
      folders.rescan(failed.id);
      await until(folders, 'the rescan', (v) => v.lastScan!.finishedAt > failed.lastScan!.finishedAt && !v.scanning);
      expect(folders.list()[0]).toMatchObject({ state: 'error', failedFiles: 1 });
      refuse = false;
      await writeFile(path.join(root, 'locked.txt'), 'v2');
      await until(folders, 'synced after the change', synced(2));
      expect(folders.list()[0]!.failures).toEqual([]);
      expect((await clusterFile('Refused/locked.txt'))?.toString()).toBe('v2');
    } finally {
      await folders.close();
    }
  }, 60_000);
});

describe('renames, deletes and folders that go away', () => {
  it('upload only (the default): a renamed file is uploaded under its new name, and nothing is deleted', async () => {
    const root = path.join(dir, 'Keep');
    await mkdir(root);
    await writeFile(path.join(root, 'draft.txt'), 'draft');
    await writeFile(path.join(root, 'gone.txt'), 'gone');
    const folders = await open('keep', recording().cluster);
    try {
      expect((await folders.add(root)).deletePolicy).toBe('upload-only');
      await until(folders, 'synced', synced(2));
      await rename(path.join(root, 'draft.txt'), path.join(root, 'final.txt'));
      await unlink(path.join(root, 'gone.txt'));
      await until(folders, 'synced after the rename', synced(1));
      expect(await clusterNames('Keep/')).toEqual(['Keep/draft.txt', 'Keep/final.txt', 'Keep/gone.txt']);
    } finally {
      await folders.close();
    }
  }, 60_000);

  it('mirror deletes: renames and deletes follow, others’ files stay, and a folder that went away pauses without deleting', async () => {
    const root = path.join(dir, 'Mirror');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    await writeFile(path.join(root, 'draft.txt'), 'draft');
    await writeFile(path.join(root, 'sub', 'gone.txt'), 'gone');
    await writeFile(path.join(root, 'stays.txt'), 'stays');
    const folders = await open('mirror', recording().cluster);
    try {
      await folders.add(root, { deletePolicy: 'mirror' });
      await until(folders, 'synced', synced(3));
      // Someone else's file under the same prefix is not ours to delete.
      expect((await fetch(`${leaderUrl()}/upload/Mirror/theirs.txt`, { method: 'POST', body: 'theirs' })).status).toBe(201);

      await rename(path.join(root, 'draft.txt'), path.join(root, 'sub', 'final.txt'));
      await rm(path.join(root, 'sub', 'gone.txt'));
      await until(folders, 'synced after the move and the delete', synced(2));
      await waitFor('the old names deleted', async () => (await clusterNames('Mirror/')).length === 3);
      expect(await clusterNames('Mirror/')).toEqual(['Mirror/stays.txt', 'Mirror/sub/final.txt', 'Mirror/theirs.txt']);

      // The folder goes away (an unplugged drive): paused, and the cluster keeps everything.
      const away = path.join(dir, 'Mirror-unplugged');
      await rename(root, away);
      const paused = await until(folders, 'paused', (v) => v.state === 'paused');
      expect(paused.lastProblem).toMatchObject({ error: 'folder_missing' });
      folders.rescan(paused.id);
      expect(await clusterNames('Mirror/')).toEqual(['Mirror/stays.txt', 'Mirror/sub/final.txt', 'Mirror/theirs.txt']);

      // Back, with a file added meanwhile: resumed and synced, nothing lost.
      await writeFile(path.join(away, 'while-away.txt'), 'added while unplugged');
      await rename(away, root);
      await until(folders, 'synced after coming back', synced(3));
      expect(await clusterNames('Mirror/')).toEqual(['Mirror/stays.txt', 'Mirror/sub/final.txt', 'Mirror/theirs.txt', 'Mirror/while-away.txt']);
    } finally {
      await folders.close();
    }
  }, 90_000);
});
