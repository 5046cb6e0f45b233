// Issue #18, upgrades: a data directory or a backup archive written by a newer dfs-node is refused
// with one line that says so and names the fix, never opened as if it were damaged (or worse,
// read wrongly). The data directory is today's committed fixture with its format raised.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_MAGIC, FRAME, frameHead } from '../../node-runtime/backup/archive-format';
import { freePort, repoRoot } from './harness';

const run = promisify(execFile);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'dfs-formats-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function failure(entry: string, args: readonly string[]): Promise<{ code: number; stderr: string }> {
  const result = await run(process.execPath, ['--import', 'tsx', path.join(repoRoot, entry), ...args], { cwd: repoRoot, env: { ...process.env, DFS_CLUSTER_SECRET: 'fixture-secret' } }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
  return result;
}

describe('formats from a newer dfs-node', () => {
  it('a data directory of a newer format: the node does not start, and says to upgrade', async () => {
    const dataDir = path.join(work, 'node-1');
    await cp(path.join(repoRoot, 'test/fixtures/data-format-1/node-1'), dataDir, { recursive: true });
    const nodeFile = path.join(dataDir, 'node.json');
    const identity = JSON.parse(await readFile(nodeFile, 'utf8')) as { formatVersion: number };
    await writeFile(nodeFile, JSON.stringify({ ...identity, formatVersion: identity.formatVersion + 1 }));
    const started = await failure('node-runtime/node/cli.ts', ['--node', '0', '--http', `127.0.0.1:${await freePort()}`, '--cluster', `1,127.0.0.1:${await freePort()}`, '--data-dir', dataDir]);
    expect(started.code).toBe(1);
    expect(started.stderr.trim().split('\n')).toHaveLength(1);
    expect(started.stderr).toContain(`format ${identity.formatVersion + 1}, written by a newer dfs-node`);
    expect(started.stderr).toContain('upgrade dfs-node');
  });

  it('a backup archive of a newer format: dfsctl and restore refuse it, saying to upgrade', async () => {
    const archive = path.join(work, 'future.dfsbak');
    const manifest = { formatVersion: 2, index: 5, term: 1, createdAt: new Date().toISOString(), sourceNode: 1, files: 0, contents: 0, bytes: 0 };
    await writeFile(archive, Buffer.concat([Buffer.from(ARCHIVE_MAGIC, 'latin1'), frameHead(FRAME.manifest, manifest, 0)]));
    const verified = await failure('node-runtime/ctl/cli.ts', ['backup', 'verify', archive]);
    expect(verified.code).toBe(7);
    expect(verified.stderr).toContain('format 2, written by a newer dfs-node');
    const restored = await failure('node-runtime/node/cli.ts', ['restore', '--from', archive, '--data-dir', path.join(work, 'restored'), '--cluster', '1,127.0.0.1:1']);
    expect(restored.code).toBe(1);
    expect(restored.stderr).toContain('upgrade dfs-node');
  });
});
