// The parts of watched folders that need only a disk: ignore patterns, the sorted walk the scans
// merge on, the on-disk index, and which folders and settings are accepted. Syncing against a
// real cluster is test/cluster/watched-folders.test.ts.
import { appendFile, mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../cluster/harness';
import { WatchedFolders } from '../../../electron/manager/watched/watched-folders';
import { DEFAULT_IGNORE_PATTERNS, compileIgnore } from '../../../electron/manager/watched/watched-ignore';
import { FolderIndex, type IndexEntry } from '../../../electron/manager/watched/watched-index';
import { nodeCluster } from '../../../electron/manager/watched/watched-remote';
import { withJournal } from '../../../electron/manager/watched/watched-scan';
import { walkSorted, type WalkItem } from '../../../electron/manager/watched/watched-walk';
import { FolderWatcher } from '../../../electron/manager/watched/watched-watcher';

let dir: string;

beforeAll(async () => {
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dfs-watched-unit-')));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('ignore patterns', () => {
  const ignoredByDefault = compileIgnore(DEFAULT_IGNORE_PATTERNS);
  it.each([
    ['notes.txt', false],
    ['q3/sales.csv', false],
    ['.DS_Store', true],
    ['.git/config', true],
    ['photos/.git/HEAD', true],
    ['report.docx~', true],
    ['~$report.docx', true],
    ['movie.mkv.part', true],
    ['setup.exe.crdownload', true],
    ['.notes.txt.swp', true],
    ['data.tmp', true],
  ])('by default, %s ignored: %s', (name, ignored) => {
    expect(ignoredByDefault(name, false)).toBe(ignored);
  });

  it('matches folders only with a trailing slash, and whole paths when anchored', () => {
    const ignored = compileIgnore(['logs/', 'build/cache/', '*.o']);
    expect(ignored('logs', true)).toBe(true);
    expect(ignored('logs', false)).toBe(false);
    expect(ignored('app/logs/today.txt', false)).toBe(true);
    expect(ignored('build/cache', true)).toBe(true);
    expect(ignored('build/cache/x.bin', false)).toBe(true);
    expect(ignored('src/build/cache/x.bin', false)).toBe(false);
    expect(ignored('src/main.o', false)).toBe(true);
    expect(ignored('src/main.orig', false)).toBe(false);
  });
});

describe('the sorted walk', () => {
  it('yields files in the order of their relative paths as strings, whatever the nesting', async () => {
    const root = path.join(dir, 'walk');
    const names = ['a/x', 'a-b', 'a.txt', 'a0', 'a/b/c', 'a/b-c', 'B', 'b/ä', 'b/z', 'Z/1', '~x'];
    for (const name of names) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), name);
    }
    await writeFile(path.join(dir, 'outside.txt'), 'outside');
    await symlink(path.join(dir, 'outside.txt'), path.join(root, 'link-out'));
    await symlink(path.join(root, 'a0'), path.join(root, 'link-in'));
    await symlink(path.join(root, 'a'), path.join(root, 'link-dir'));
    const items = await collect(walkSorted(root, () => false));
    const files = items.filter((i): i is Extract<WalkItem, { kind: 'file' }> => i.kind === 'file').map((i) => i.path);
    expect(files).toEqual([...names, 'link-in'].sort());
    expect(items.filter((i) => i.kind === 'skipped').map((i) => i.path)).toEqual(['link-dir', 'link-out']);
    expect(items.find((i) => i.path === 'a/b/c')).toMatchObject({ size: 5 });
  });

  it('does not walk into ignored folders', async () => {
    const root = path.join(dir, 'walk-ignored');
    await mkdir(path.join(root, '.git', 'objects'), { recursive: true });
    await writeFile(path.join(root, '.git', 'objects', 'x'), 'x');
    await writeFile(path.join(root, 'kept.txt'), 'kept');
    const items = await collect(walkSorted(root, compileIgnore(DEFAULT_IGNORE_PATTERNS)));
    expect(items.map((i) => i.path)).toEqual(['kept.txt']);
  });
});

describe('the folder watcher', () => {
  it('reports changes in folders created after it started, one watch per folder, none for ignored folders', async () => {
    const root = path.join(dir, 'watcher');
    await mkdir(root);
    const seen = new Set<string | null>();
    const watcher = new FolderWatcher(root, compileIgnore(['.git/']), (file) => seen.add(file), (err) => {
      throw err;
    });
    try {
      await watcher.start();
      await mkdir(path.join(root, 'new'));
      await waitFor('the new folder reported', () => seen.has('new'));
      // A new folder's watch starts once its creation is reported (what comes before that is the
      // scan's to find): folders and files made after that are reported too.
      let attempt = 0;
      const deeper = await waitFor('a nested folder reported', async () => {
        const name = `new/deeper-${attempt++}`;
        await mkdir(path.join(root, name));
        return seen.has(name) ? name : undefined;
      });
      await waitFor('the nested file reported', async () => {
        await writeFile(path.join(root, deeper, 'file.txt'), String(Date.now()));
        return seen.has(`${deeper}/file.txt`);
      });
      await mkdir(path.join(root, '.git'));
      await writeFile(path.join(root, '.git', 'HEAD'), 'ref');
      await writeFile(path.join(root, 'last.txt'), 'last');
      await waitFor('the last file reported', () => seen.has('last.txt'));
      expect([...seen].filter((f) => f?.startsWith('.git/'))).toEqual([]);
    } finally {
      watcher.close();
    }
  }, 30_000);
});

describe('the index on disk', () => {
  const entry = (p: string, s = 1): IndexEntry => ({ p, s, m: 1000 + s, h: 'a'.repeat(64) });

  it('keeps changes in its journal across a reopen, folds them into the index file on rewrite, and skips a torn line', async () => {
    const indexDir = path.join(dir, 'index-1');
    const index = await FolderIndex.open(indexDir);
    index.record(entry('b'));
    index.record(entry('a'));
    index.forget('c');
    await index.flush();
    await appendFile(path.join(indexDir, 'journal.jsonl'), '{"p":"torn');
    const reopened = await FolderIndex.open(indexDir);
    expect(reopened.journalSnapshot()).toEqual([['a', entry('a')], ['b', entry('b')], ['c', null]]);

    const snapshot = reopened.journalSnapshot();
    reopened.record(entry('d', 2));
    await reopened.rewrite(snapshot, async (write) => {
      for await (const known of withJournal(reopened.entries(), snapshot)) await write(known);
    });
    expect((await collect(reopened.entries())).map((e) => e.p)).toEqual(['a', 'b']);
    // Recorded during the rewrite: still in the journal, on disk too.
    expect(reopened.journalSnapshot()).toEqual([['d', entry('d', 2)]]);
    expect((await readFile(path.join(indexDir, 'journal.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(1);
    const merged = await collect(withJournal(reopened.entries(), [['a', null], ['c', entry('c')]]));
    expect(merged.map((e) => e.p)).toEqual(['b', 'c']);
  });
});

describe('which folders may be watched', () => {
  // No node listens here: scans fail and retry, which these tests do not wait for.
  const unreachable = nodeCluster(() => 'http://127.0.0.1:1');

  it('refuses relative paths, files, missing folders, overlaps, the data folder and bad settings', async () => {
    const dataDir = path.join(dir, 'app-data');
    await mkdir(path.join(dataDir, 'node-1'), { recursive: true });
    const watched = path.join(dir, 'Watched');
    await mkdir(path.join(watched, 'inner'), { recursive: true });
    await writeFile(path.join(dir, 'plain.txt'), 'x');
    const stateFile = path.join(dir, 'state-4', 'watched-folders.json');
    const folders = await WatchedFolders.open({ stateFile, cluster: unreachable, forbiddenRoots: [dataDir] });
    try {
      await expect(folders.add(path.join(dir, 'plain.txt'))).rejects.toMatchObject({ code: 'bad_request' });
      await expect(folders.add(watched, { deletePolicy: 'everything' as never })).rejects.toMatchObject({ code: 'bad_request' });
      await expect(folders.add(watched, { ignorePatterns: [''] })).rejects.toMatchObject({ code: 'bad_request' });
      await expect(folders.add(watched, { rescanIntervalSec: 1 })).rejects.toMatchObject({ code: 'bad_request' });
      const added = await folders.add(watched, { deletePolicy: 'mirror' });
      expect(added).toMatchObject({ deletePolicy: 'mirror', ignorePatterns: DEFAULT_IGNORE_PATTERNS, rescanIntervalSec: 600 });
      await expect(folders.add('relative/path')).rejects.toMatchObject({ code: 'bad_request' });
      await expect(folders.add(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'bad_request' });
      await expect(folders.add(path.join(watched, 'inner'))).rejects.toMatchObject({ code: 'conflict' });
      await expect(folders.add(dir)).rejects.toMatchObject({ code: 'conflict' });
      await expect(folders.add(path.join(dataDir, 'node-1'))).rejects.toMatchObject({ code: 'bad_request' });
      await expect(folders.remove('no-such-id')).rejects.toMatchObject({ code: 'not_found' });
      await expect(folders.update(added.id, { ignorePatterns: ['a\\b'] })).rejects.toMatchObject({ code: 'bad_request' });
      expect(await folders.update(added.id, { deletePolicy: 'upload-only', rescanIntervalSec: 60 })).toMatchObject({ deletePolicy: 'upload-only', rescanIntervalSec: 60 });
      const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { folders: unknown[] };
      const device = (await stat(watched)).dev;
      expect(saved.folders).toEqual([{ id: added.id, path: watched, remotePrefix: 'Watched/', deletePolicy: 'upload-only', ignorePatterns: DEFAULT_IGNORE_PATTERNS, rescanIntervalSec: 60, device }]);
      await folders.remove(added.id);
      expect(folders.list()).toEqual([]);
      expect((JSON.parse(await readFile(stateFile, 'utf8')) as { folders: unknown[] }).folders).toEqual([]);
    } finally {
      await folders.close();
    }
  });

  it('gives two folders with the same name different cluster prefixes', async () => {
    await mkdir(path.join(dir, 'a', 'Photos'), { recursive: true });
    await mkdir(path.join(dir, 'b', 'Photos'), { recursive: true });
    const folders = await WatchedFolders.open({ stateFile: path.join(dir, 'state-5', 'watched-folders.json'), cluster: unreachable });
    try {
      expect((await folders.add(path.join(dir, 'a', 'Photos'))).remotePrefix).toBe('Photos/');
      expect((await folders.add(path.join(dir, 'b', 'Photos'))).remotePrefix).toBe('Photos-2/');
    } finally {
      await folders.close();
    }
  });

  it('keeps a saved folder that is gone (a version 1 file) as paused, and resumes it when it is back', async () => {
    const stateFile = path.join(dir, 'state-6.json');
    const folderPath = path.join(dir, 'unplugged');
    await writeFile(stateFile, JSON.stringify({ version: 1, folders: [{ id: 'f1', path: folderPath, remotePrefix: 'unplugged/', synced: { 'a.txt': { size: 1, mtimeMs: 1 } } }] }));
    const folders = await WatchedFolders.open({ stateFile, cluster: unreachable, rootCheckMs: 50 });
    try {
      expect(folders.list()).toMatchObject([{ id: 'f1', state: 'paused', deletePolicy: 'upload-only', lastProblem: { error: 'folder_missing' } }]);
      await mkdir(folderPath);
      await waitFor('resumed', () => folders.list()[0]?.state !== 'paused');
      expect(folders.list()[0]?.lastProblem?.error).not.toBe('folder_missing');
    } finally {
      await folders.close();
    }
  });

  it('pauses a folder found on another drive than it was on (an unmounted drive leaves its empty mount point), and keeps it as it is only when asked', async () => {
    // The state says the folder lived on another file system, as it does when a drive mounted there
    // is unmounted and the empty mount-point folder is left behind (a real unmount needs root).
    const stateFile = path.join(dir, 'state-7.json');
    const folderPath = path.join(dir, 'mount-point');
    await mkdir(folderPath);
    const here = (await stat(folderPath)).dev;
    const settings = { deletePolicy: 'mirror', ignorePatterns: [], rescanIntervalSec: 600 };
    await writeFile(stateFile, JSON.stringify({ version: 2, folders: [{ id: 'f1', path: folderPath, remotePrefix: 'usb/', ...settings, device: here + 1 }] }));
    const folders = await WatchedFolders.open({ stateFile, cluster: unreachable, rootCheckMs: 20 });
    try {
      expect(folders.list()).toMatchObject([{ id: 'f1', state: 'paused', lastProblem: { error: 'folder_on_other_drive' } }]);
      expect(folders.list()[0]?.lastProblem?.detail).toMatch(/is on another drive than before.*nothing is uploaded or deleted/);
      // A requested scan does not start while it is paused.
      folders.rescan('f1');
      expect(folders.list()[0]).toMatchObject({ state: 'paused', scanning: false, lastScan: null, lastProblem: { error: 'folder_on_other_drive' } });
      await expect(folders.resume('no-such-id')).rejects.toMatchObject({ code: 'not_found' });
      expect(await folders.resume('f1')).not.toMatchObject({ state: 'paused' });
      expect((JSON.parse(await readFile(stateFile, 'utf8')) as { folders: { device: number }[] }).folders[0]?.device).toBe(here);
      await expect(folders.resume('f1')).rejects.toMatchObject({ code: 'conflict' });
    } finally {
      await folders.close();
    }
  });
});
