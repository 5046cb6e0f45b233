// The dev cluster secret on a real disk: nodes starting at the same moment all get the one secret
// (none reads a half-written file), it is 0600, and a damaged file stops the start with one line.
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV_SECRET_FILE, devClusterSecret } from '../../../node-runtime/node/dev-secret';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-dev-secret-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('devClusterSecret', () => {
  it('gives nodes starting together one secret, in a 0600 file beside their data directories, and leaves no temp file', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map((id) => devClusterSecret(path.join(dir, 'data', `node-${id}`))));
    expect(new Set(results.map((r) => r.secret)).size).toBe(1);
    expect(results[0]?.file).toBe(path.join(dir, 'data', DEV_SECRET_FILE));
    expect((await stat(path.join(dir, 'data', DEV_SECRET_FILE))).mode & 0o777).toBe(0o600);
    expect(await readdir(path.join(dir, 'data'))).toEqual([DEV_SECRET_FILE]);
    expect((await devClusterSecret(path.join(dir, 'data', 'node-9'))).secret).toBe(results[0]?.secret);
  });

  it('says in one line what to do when the file cannot be kept there', async () => {
    await writeFile(path.join(dir, 'not-a-dir'), 'x');
    await expect(devClusterSecret(path.join(dir, 'not-a-dir', 'data', 'node-1'))).rejects.toThrow(/cannot keep the dev cluster secret in .* \(ENOTDIR\); set DFS_CLUSTER_SECRET instead/);
  });

  it('refuses a damaged file', async () => {
    await writeFile(path.join(dir, DEV_SECRET_FILE), '\n');
    await expect(devClusterSecret(path.join(dir, 'node-1'))).rejects.toThrow(/damaged/);
  });
});
