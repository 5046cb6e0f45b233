// Watched folders against a real three-node cluster: files added or changed in the folder are
// uploaded once their write has finished (POST <node>/upload/<name>, raw body), hidden and
// temporary files are not, and what was uploaded survives a restart without a second upload.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from '../../cluster/harness';
import { WatchedFolders, isIgnoredName, type WatchedFolderView } from '../../../electron/manager/watched-folders';
import { UploadError, nodeUploader, type FileUploader } from '../../../electron/manager/watched-upload';

const timing = { debounceMs: 100, writeFinishMs: 400, writeFinishPollMs: 50, retryBaseMs: 100 };

let cluster: TestCluster;
let dir: string;

beforeAll(async () => {
  cluster = await TestCluster.start();
  await cluster.waitForLeader();
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dfs-watched-')));
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Uploads to the current leader, and records every upload it was asked for. */
function recordingUploader(base: () => string = () => cluster.nodes[0]!.url): { upload: FileUploader; uploads: string[] } {
  const uploads: string[] = [];
  const real = nodeUploader(base);
  return {
    uploads,
    upload: async (name, file, size, signal) => {
      uploads.push(name);
      await real(name, file, size, signal);
    },
  };
}

async function clusterFile(name: string): Promise<Buffer | null> {
  const leader = await cluster.waitForLeader();
  const res = await fetch(`${leader.url}/download?name=${encodeURIComponent(name)}`);
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`download ${name}: ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function until(folders: WatchedFolders, what: string, probe: (view: WatchedFolderView) => boolean, timeoutMs = 20_000): Promise<WatchedFolderView> {
  return waitFor(what, () => {
    const [view] = folders.list();
    return view && probe(view) ? view : undefined;
  }, timeoutMs);
}

describe('watched folders against a real cluster', () => {
  it('uploads existing files, new files once their write finished, and changes; never hidden or temporary files', async () => {
    const root = path.join(dir, 'Reports');
    await mkdir(path.join(root, 'q3'), { recursive: true });
    await writeFile(path.join(root, 'existing.txt'), 'there before watching');
    await writeFile(path.join(root, '.hidden'), 'secret');
    await writeFile(path.join(root, 'draft.txt.tmp'), 'partial');
    const { upload, uploads } = recordingUploader();
    const folders = await WatchedFolders.open({ stateFile: path.join(dir, 'state-1.json'), upload, ...timing });
    try {
      const added = await folders.add(root);
      expect(added).toMatchObject({ path: root, remotePrefix: 'Reports/' });
      await until(folders, 'the existing file synced', (v) => v.state === 'synced' && v.syncedFiles === 1);
      expect((await clusterFile('Reports/existing.txt'))?.toString()).toBe('there before watching');

      // A file written in several pieces is uploaded once, whole, after the last piece.
      const big = path.join(root, 'q3', 'sales data.bin');
      const pieces = Array.from({ length: 5 }, (_, i) => Buffer.alloc(256 * 1024, i + 1));
      await writeFile(big, pieces[0]!);
      for (const piece of pieces.slice(1)) {
        await new Promise((resolve) => setTimeout(resolve, 60));
        await appendFile(big, piece);
      }
      await until(folders, 'the big file synced', (v) => v.state === 'synced' && v.syncedFiles === 2);
      const stored = await clusterFile('Reports/q3/sales data.bin');
      expect(stored && sha(stored)).toBe(sha(Buffer.concat(pieces)));
      expect(uploads.filter((n) => n === 'Reports/q3/sales data.bin')).toHaveLength(1);

      await writeFile(path.join(root, 'existing.txt'), 'edited after watching began');
      await waitFor('the edit in the cluster', async () => (await clusterFile('Reports/existing.txt'))?.toString() === 'edited after watching began');
      await until(folders, 'synced after the edit', (v) => v.state === 'synced' && v.pendingFiles === 0);

      expect(uploads.some((n) => n.includes('.hidden') || n.endsWith('.tmp'))).toBe(false);
      expect(await clusterFile('Reports/.hidden')).toBeNull();
      const [view] = folders.list();
      expect(view).toMatchObject({ state: 'synced', syncedFiles: 2, failedFiles: 0, pendingFiles: 0, uploading: [], lastProblem: null });
      expect(view?.lastSyncedAt).toEqual(expect.any(Number));
    } finally {
      await folders.close();
    }

    // Reopened (the app restarted): the folder is still watched, nothing unchanged is sent again,
    // and a file added while the app was closed is uploaded.
    await writeFile(path.join(root, 'while-closed.txt'), 'added while the app was closed');
    const again = recordingUploader();
    const reopened = await WatchedFolders.open({ stateFile: path.join(dir, 'state-1.json'), upload: again.upload, ...timing });
    try {
      await until(reopened, 'synced after the restart', (v) => v.state === 'synced' && v.syncedFiles === 3);
      expect(again.uploads).toEqual(['Reports/while-closed.txt']);
      expect((await clusterFile('Reports/while-closed.txt'))?.toString()).toBe('added while the app was closed');
    } finally {
      await reopened.close();
    }
  }, 90_000);

  it('keeps retrying while no node answers, then syncs when the cluster is back', async () => {
    const root = path.join(dir, 'Offline');
    await mkdir(root);
    await writeFile(path.join(root, 'note.txt'), 'written while the cluster was unreachable');
    let base = 'http://127.0.0.1:1';
    const { upload } = recordingUploader(() => base);
    const folders = await WatchedFolders.open({ stateFile: path.join(dir, 'state-2.json'), upload, ...timing });
    try {
      await folders.add(root);
      const waiting = await until(folders, 'a retryable failure', (v) => v.lastProblem?.error === 'unavailable');
      expect(waiting).toMatchObject({ state: 'syncing', failedFiles: 0 });
      expect(waiting.pendingFiles).toBe(1);
      base = cluster.nodes[1]!.url;
      await until(folders, 'synced once a node answers', (v) => v.state === 'synced' && v.syncedFiles === 1);
      expect((await clusterFile('Offline/note.txt'))?.toString()).toBe('written while the cluster was unreachable');
    } finally {
      await folders.close();
    }
  }, 60_000);

  it('shows a file the cluster refuses as failed until it changes', async () => {
    const root = path.join(dir, 'Refused');
    await mkdir(root);
    await writeFile(path.join(root, 'locked.txt'), 'v1');
    let refuse = true;
    const real = nodeUploader(() => cluster.nodes[0]!.url);
    const upload: FileUploader = async (name, file, size, signal) => {
      if (refuse) throw new UploadError('locked', `${name} is locked by someone else`, false);
      await real(name, file, size, signal);
    };
    const folders = await WatchedFolders.open({ stateFile: path.join(dir, 'state-3.json'), upload, ...timing });
    try {
      await folders.add(root);
      const failed = await until(folders, 'the refusal', (v) => v.state === 'error');
      expect(failed).toMatchObject({ failedFiles: 1, pendingFiles: 0, lastProblem: { file: 'locked.txt', error: 'locked' } });
      refuse = false;
      await writeFile(path.join(root, 'locked.txt'), 'v2');
      await until(folders, 'synced after the change', (v) => v.state === 'synced' && v.failedFiles === 0);
      expect((await clusterFile('Refused/locked.txt'))?.toString()).toBe('v2');
    } finally {
      await folders.close();
    }
  }, 60_000);

  it('reports the node’s own refusal (a name it rejects) with its error code', async () => {
    const uploader = nodeUploader(() => cluster.nodes[0]!.url);
    const file = path.join(dir, 'empty.bin');
    await writeFile(file, '');
    await expect(uploader('bad//name', file, 0, new AbortController().signal)).rejects.toMatchObject({ retryable: false });
    await uploader('Uploads/empty.bin', file, 0, new AbortController().signal);
    expect((await clusterFile('Uploads/empty.bin'))?.length).toBe(0);
  });
});

describe('which folders may be watched', () => {
  const noUpload: FileUploader = async () => {};

  it('refuses relative paths, files, missing folders, overlaps and the data folder', async () => {
    const dataDir = path.join(dir, 'app-data');
    await mkdir(path.join(dataDir, 'node-1'), { recursive: true });
    const watched = path.join(dir, 'Watched');
    await mkdir(path.join(watched, 'inner'), { recursive: true });
    await writeFile(path.join(dir, 'plain.txt'), 'x');
    const folders = await WatchedFolders.open({ stateFile: path.join(dir, 'state-4.json'), upload: noUpload, forbiddenRoots: [dataDir], ...timing });
    try {
      await folders.add(watched);
      await expect(folders.add('relative/path')).rejects.toMatchObject({ code: 'bad_request' });
      await expect(folders.add(path.join(dir, 'plain.txt'))).rejects.toMatchObject({ code: 'bad_request' });
      await expect(folders.add(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'bad_request' });
      await expect(folders.add(path.join(watched, 'inner'))).rejects.toMatchObject({ code: 'conflict' });
      await expect(folders.add(dir)).rejects.toMatchObject({ code: 'conflict' });
      await expect(folders.add(path.join(dataDir, 'node-1'))).rejects.toMatchObject({ code: 'bad_request' });
      await expect(folders.remove('no-such-id')).rejects.toMatchObject({ code: 'not_found' });
      const [view] = folders.list();
      await folders.remove(view!.id);
      expect(folders.list()).toEqual([]);
      const saved = JSON.parse(await readFile(path.join(dir, 'state-4.json'), 'utf8')) as { folders: unknown[] };
      expect(saved.folders).toEqual([]);
    } finally {
      await folders.close();
    }
  });

  it('gives two folders with the same name different cluster prefixes', async () => {
    await mkdir(path.join(dir, 'a', 'Photos'), { recursive: true });
    await mkdir(path.join(dir, 'b', 'Photos'), { recursive: true });
    const folders = await WatchedFolders.open({ stateFile: path.join(dir, 'state-5.json'), upload: noUpload, ...timing });
    try {
      expect((await folders.add(path.join(dir, 'a', 'Photos'))).remotePrefix).toBe('Photos/');
      expect((await folders.add(path.join(dir, 'b', 'Photos'))).remotePrefix).toBe('Photos-2/');
    } finally {
      await folders.close();
    }
  });

  it('shows a saved folder that no longer exists as an error instead of dropping it', async () => {
    const stateFile = path.join(dir, 'state-6.json');
    await writeFile(stateFile, JSON.stringify({ version: 1, folders: [{ id: 'f1', path: path.join(dir, 'deleted'), remotePrefix: 'deleted/', synced: {} }] }));
    const folders = await WatchedFolders.open({ stateFile, upload: noUpload, ...timing });
    try {
      expect(folders.list()).toMatchObject([{ id: 'f1', state: 'error', lastProblem: { error: 'folder_missing' } }]);
    } finally {
      await folders.close();
    }
  });

  it.each([
    ['notes.txt', false],
    ['q3/sales.csv', false],
    ['.DS_Store', true],
    ['.git/config', true],
    ['report.docx~', true],
    ['~$report.docx', true],
    ['movie.mkv.part', true],
    ['setup.exe.crdownload', true],
    ['.notes.txt.swp', true],
    ['data.tmp', true],
  ])('ignores %s: %s', (name, ignored) => {
    expect(isIgnoredName(name)).toBe(ignored);
  });
});
