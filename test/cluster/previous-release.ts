// The previous release of dfs-node, built at test time from this repository's own history: the
// commit pinned below, a main from before peer protocol negotiation (issue #18), bundled by its
// own scripts/build.js exactly as its `npm pack` did. A real older build, then, not a flag that
// makes the current one pretend; and nothing binary committed. It needs the git history, which a
// clone has; a shallow one must be deepened (`git fetch --unshallow`), and the test says so.
import { execFile } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './harness';

const run = promisify(execFile);

/** main at 7e18512: command formats 1-2 (writes 2), snapshot format 4, no negotiation; wrote test/fixtures/data-format-4. */
export const PREVIOUS_RELEASE = '7e185125ffd0ebb1d4cf5293e7d2b290236442b9';

/** Builds the previous release's dfs-node bundle under `dir`; resolves with the command that runs it. */
export async function buildPreviousRelease(dir: string): Promise<string[]> {
  await run('git', ['-C', repoRoot, 'cat-file', '-e', `${PREVIOUS_RELEASE}^{commit}`]).catch(() => {
    throw new Error(`the previous release (commit ${PREVIOUS_RELEASE}) is not in this clone's history: deepen it with \`git fetch --unshallow\``);
  });
  await mkdir(dir, { recursive: true });
  const tarball = path.join(dir, 'release.tar');
  await run('git', ['-C', repoRoot, 'archive', '--format=tar', '-o', tarball, PREVIOUS_RELEASE, 'node-runtime', 'scripts', 'package.json']);
  await run('tar', ['-xf', tarball, '-C', dir]);
  // Bundled with this checkout's node_modules (never `npm ci` here): its own code at that commit, and
  // today's versions of its libraries, which no wire or disk format of ours depends on.
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  await run(process.execPath, ['scripts/build.js', 'package'], { cwd: dir });
  return [process.execPath, path.join(dir, 'packages/dfs-node/dist/dfs-node.mjs')];
}
