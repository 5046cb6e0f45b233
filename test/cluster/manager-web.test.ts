// Web mode end to end: `electron/manager/web.ts` prints exactly one line with the dashboard URL,
// serves the API with that token, runs real nodes (each with S3 on, credentials generated into the
// data directory), and stops them all on Ctrl-C (or SIGTERM).
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../node-runtime/common/manager-api';
import { pickPort } from '../../electron/manager/supervision/ports';
import { isAlive, makeTempDir, waitFor } from '../fixtures/manager/helpers';
import { signedFetch } from '../api/s3-support';

const webEntry = fileURLToPath(new URL('../../electron/manager/web.ts', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('web mode', () => {
  it('prints one line with the URL, runs the cluster, and stops every node gracefully on Ctrl-C', async () => {
    const temp = await makeTempDir('dfs-manager-web-');
    cleanups.push(temp.remove);
    // Our own ports instead of the seed's 8081.., which other clusters on this machine may use.
    const taken = new Set<number>();
    const nodes = [];
    for (const id of [1, 2, 3]) nodes.push({ id, httpPort: await pickPort(taken), peerPort: await pickPort(taken), founder: true });
    await writeFile(path.join(temp.dir, 'cluster.json'), JSON.stringify({ version: 1, nextId: 4, nodes }));
    const apiPort = await pickPort(taken);

    const child = spawn(process.execPath, ['--import', 'tsx', webEntry, '--data-dir', temp.dir, '--port', String(apiPort), '--no-seed-ports'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const line = await waitFor('the dashboard URL', () => (stdout.includes('\n') ? stdout.split('\n')[0] : undefined), 30_000);
    const match = /^DFS Desktop dashboard: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+))$/.exec(line ?? '');
    expect(match, line).not.toBeNull();
    const [, , port, token] = match as unknown as [string, string, string, string];
    expect(Number(port)).toBe(apiPort);

    const snapshot = await waitFor('a healthy cluster', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/cluster`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as ClusterSnapshot;
      return body.health === 'healthy' ? body : undefined;
    }, 90_000);
    expect(snapshot.nodes.map((n) => n.httpUrl)).toEqual(nodes.map((n) => `http://127.0.0.1:${n.httpPort}`));
    const pids = snapshot.nodes.map((n) => n.process?.pid as number);

    // A cluster.json from before S3 still starts; every node then serves S3 with the generated key.
    const credentialsFile = path.join(temp.dir, 's3-credentials.json');
    expect((await stat(credentialsFile)).mode & 0o777).toBe(0o600);
    const { accessKey, secretKey } = JSON.parse(await readFile(credentialsFile, 'utf8')) as { accessKey: string; secretKey: string };
    for (const node of snapshot.nodes) {
      const s3Url = node.report?.status.s3Url;
      expect(s3Url, `node ${node.id}`).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const buckets = await signedFetch(s3Url as string, { path: '/', accessKey, secret: secretKey });
      expect([buckets.status, await buckets.text()]).toEqual([200, expect.stringContaining('<ListAllMyBucketsResult')]);
    }

    // Ctrl-C under `npm start` arrives twice at once (from the terminal and forwarded): still graceful.
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(stdout).toBe(`${line}\n`);
    expect(stderr).toBe('');
  });
});
