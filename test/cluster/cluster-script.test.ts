// `npm run cluster`: three headless nodes, where each listens and who leads printed, all three
// stopped by Ctrl-C, each also serving S3 with credentials generated into the data directory.
// Run on free ports (DFS_HTTP_PORTS / DFS_PEER_PORTS / DFS_S3_PORTS) instead of the seed's.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, json, repoRoot, waitFor } from './harness';

let dataDir: string | undefined;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return false;
  } catch {
    return true;
  }
}

describe('npm run cluster', () => {
  it('starts three nodes, reports where they listen and the leader, and stops them all on Ctrl-C', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dfs-cluster-script-'));
    const http = [await freePort(), await freePort(), await freePort()];
    const peer = [await freePort(), await freePort(), await freePort()];
    const s3 = [await freePort(), await freePort(), await freePort()];
    // What `npm run cluster` runs (`tsx scripts/cluster.ts`), without npm in between, so the exit
    // code is the script's own.
    const script = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/cluster.ts')], {
      cwd: repoRoot,
      env: { ...process.env, DFS_HTTP_PORTS: http.join(','), DFS_PEER_PORTS: peer.join(','), DFS_S3_PORTS: s3.join(','), STORAGE_PATH: dataDir, DFS_S3_ACCESS_KEY: '', DFS_S3_SECRET_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    script.stdout.on('data', (d: Buffer) => (out += d.toString()));
    script.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));

    const leader = Number(await waitFor('the leader line', () => /leader: node (\d)/.exec(out)?.[1], 60_000));
    for (const [i, port] of http.entries()) expect(out).toContain(`node ${i + 1}: http://127.0.0.1:${port}  peer 127.0.0.1:${peer[i]}  s3 http://127.0.0.1:${s3[i]}`);
    // Every node serves S3, refusing an unsigned request as S3 does; the secret stays in a 0600 file.
    for (const port of s3) {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect([res.status, await res.text()]).toEqual([403, expect.stringContaining('<Code>AccessDenied</Code>')]);
    }
    expect((await stat(path.join(dataDir, 's3-credentials.json'))).mode & 0o777).toBe(0o600);
    for (const port of http) {
      const status = await json<{ leaderId: number | null }>(`http://127.0.0.1:${port}/status`);
      expect([leader, null]).toContain(status.body.leaderId);
    }

    // Ctrl-C in a terminal signals the whole foreground process group.
    process.kill(-(script.pid as number), 'SIGINT');
    expect(await exited).toBe(0);
    for (const port of [...http, ...s3]) expect(await refused(`http://127.0.0.1:${port}/livez`)).toBe(true);
  });
});
