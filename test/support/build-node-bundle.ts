// globalSetup of the suites that start real nodes: builds dfs-node's bundle from the current
// sources into a temp directory for this run (never dist/, which a developer's own build or
// another run may be using) and hands its path to the test processes (see node-program.ts).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { NODE_BUNDLE_ENV, repoRoot } from './node-program';

export default async function buildNodeBundle(): Promise<(() => Promise<void>) | undefined> {
  // Several projects of one run share this setup (and this process): the first one builds.
  if (process.env[NODE_BUNDLE_ENV]) return undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-test-bundle-'));
  await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/build.js'), 'node', '--out-dir', dir], { cwd: repoRoot });
  process.env[NODE_BUNDLE_ENV] = path.join(dir, 'node', 'dfs-node.mjs');
  return async () => {
    delete process.env[NODE_BUNDLE_ENV];
    await rm(dir, { recursive: true, force: true });
  };
}
