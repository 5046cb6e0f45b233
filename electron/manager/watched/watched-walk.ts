// The files of a watched folder in path order — the order of the index and of the nodes'
// listings (JavaScript string order of the relative path) — so a scan can merge the three
// streams one entry at a time instead of loading any of them whole.
//
// Each folder's names are sorted with a "/" after folder names: every path inside folder "a"
// starts with "a/", so sorting "a/" against its siblings puts the whole subtree where its paths
// belong. Memory is bounded by the largest single folder, never by the tree.
//
// Symbolic links are never followed out of the watched folder: a link to a file inside it is
// uploaded under the link's name, a link to anything else is skipped. Links to folders are
// skipped too (they could loop).
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IgnoreTest } from './watched-ignore';

export type WalkItem =
  | { readonly kind: 'file'; readonly path: string; readonly size: number; readonly mtimeMs: number }
  /** A folder that could not be read: what the index knows under `path` (ending in "/") is kept as it is. */
  | { readonly kind: 'unreadable'; readonly path: string; readonly detail: string }
  | { readonly kind: 'skipped'; readonly path: string; readonly reason: string };

/** Stats of one folder's files are taken this many at a time. */
const STAT_BATCH = 64;

export function contains(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

interface Child {
  readonly name: string;
  /** The name with "/" appended for folders: what siblings are sorted by. */
  readonly key: string;
  readonly dirent: Dirent;
}

const byKey = (a: Child, b: Child) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Walks `root` (an absolute, real path). Throws when `root` itself cannot be read; a sub-folder
 * that cannot be read is reported as `unreadable`, one that vanished mid-walk as empty.
 * `onFolder` hears of every sub-folder walked into (as "a/b/").
 */
export async function* walkSorted(root: string, ignored: IgnoreTest, onFolder: (prefix: string) => void = () => {}): AsyncGenerator<WalkItem> {
  yield* walkFolder({ root, ignored, onFolder }, '', await readdir(root, { withFileTypes: true }));
}

interface Walk {
  readonly root: string;
  readonly ignored: IgnoreTest;
  readonly onFolder: (prefix: string) => void;
}

async function* walkFolder(walk: Walk, prefix: string, dirents: Dirent[]): AsyncGenerator<WalkItem> {
  const { root, ignored } = walk;
  const children = dirents
    .filter((d) => !ignored(prefix + d.name, d.isDirectory()))
    .map((dirent): Child => ({ name: dirent.name, key: dirent.isDirectory() ? `${dirent.name}/` : dirent.name, dirent }))
    .sort(byKey);
  for (let start = 0; start < children.length; start += STAT_BATCH) {
    const batch = children.slice(start, start + STAT_BATCH);
    // Stats run in parallel; items are still yielded in order.
    const items = await Promise.all(batch.map((child) => (child.dirent.isDirectory() ? null : describe(root, prefix + child.name, child.dirent))));
    for (const [i, child] of batch.entries()) {
      const item = items[i];
      if (item !== null && item !== undefined) {
        yield item;
        continue;
      }
      if (!child.dirent.isDirectory()) continue;
      const sub = `${prefix}${child.name}/`;
      let subDirents: Dirent[];
      try {
        subDirents = await readdir(path.join(root, ...sub.split('/')), { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue;
        yield { kind: 'unreadable', path: sub, detail: `cannot read the folder ${sub}: ${(err as Error).message}` };
        continue;
      }
      walk.onFolder(sub);
      yield* walkFolder(walk, sub, subDirents);
    }
  }
}

/** A non-folder entry as a walk item; null when it vanished meanwhile. */
async function describe(root: string, relative: string, dirent: Dirent): Promise<WalkItem | null> {
  const absolute = path.join(root, ...relative.split('/'));
  let stats: Stats;
  try {
    if (dirent.isSymbolicLink()) {
      const target = await realpath(absolute);
      if (!contains(root, target)) return { kind: 'skipped', path: relative, reason: 'a link to something outside the watched folder' };
      stats = await stat(target);
      if (!stats.isFile()) return { kind: 'skipped', path: relative, reason: 'a link to a folder' };
    } else {
      stats = await lstat(absolute);
      if (!stats.isFile()) return { kind: 'skipped', path: relative, reason: 'not a regular file' };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return dirent.isSymbolicLink() ? { kind: 'skipped', path: relative, reason: 'a link to nothing' } : null;
    }
    return { kind: 'skipped', path: relative, reason: `cannot be read: ${(err as Error).message}` };
  }
  return { kind: 'file', path: relative, size: stats.size, mtimeMs: stats.mtimeMs };
}
