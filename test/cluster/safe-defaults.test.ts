// Issue #15, items 2 and 4, on real processes started without a cluster secret (the seed's way):
// the HTTP API listens on loopback unless --insecure says otherwise, a non-loopback --http is
// refused at start with one line, the nodes authenticate each other with a dev secret only this
// user can read, so membership changes, chunk pushes and Raft streams from anyone else are
// refused, and a forged peer announcement cannot redirect a follower's writes.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkCount } from '../api/stored';
import { freePort, json, repoRoot, startWithLeader, type TestCluster, type TestNode, waitFor } from './harness';
import { nodeProgram } from '../support/node-program';


/** This machine's first non-loopback IPv4 address: what another machine would connect to. */
function networkAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
}

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

/** Starts one node with `args` and no secret; resolves once it serves on loopback or has exited. */
async function runOne(cluster: TestCluster, args: string[]): Promise<{ exitCode: number | null; stderr: string; stop: () => Promise<void> }> {
  const [program, ...prefix] = nodeProgram();
  const child = spawn(program!, [...prefix, '--cluster', `1,127.0.0.1:${await freePort()}`, '--data-dir', path.join(cluster.dir, `single-${Date.now()}`), ...args], {
    cwd: repoRoot,
    env: { ...process.env, DFS_CLUSTER_SECRET: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = Number(/:(\d+)$/.exec(args[args.indexOf('--http') + 1] ?? '')?.[1]);
  await waitFor('the node to serve or exit', async () => child.exitCode !== null || (await reachable(`http://127.0.0.1:${port}/livez`)), 20_000);
  return {
    exitCode: child.exitCode,
    stderr,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

let cluster: TestCluster;
let leader: TestNode;
let follower: TestNode;

beforeAll(async () => {
  ({ cluster, leader, follower } = await startWithLeader({ secret: '' }));
});
afterAll(async () => {
  await cluster?.stop();
});

describe('where the HTTP API listens', () => {
  const lan = networkAddress();

  it.skipIf(lan === undefined)('the seed\'s "--http :port" listens on loopback only', async () => {
    const port = await freePort();
    const node = await runOne(cluster, ['--http', `:${port}`]);
    try {
      expect(node.exitCode).toBeNull();
      expect(await reachable(`http://127.0.0.1:${port}/livez`)).toBe(true);
      expect(await reachable(`http://${lan}:${port}/livez`)).toBe(false);
    } finally {
      await node.stop();
    }
  });

  it('a non-loopback --http without --insecure is refused at start with one line', async () => {
    const node = await runOne(cluster, ['--http', `0.0.0.0:${await freePort()}`]);
    await node.stop();
    expect(node.exitCode).toBe(2);
    expect(node.stderr.trim().split('\n')).toHaveLength(1);
    expect(node.stderr).toMatch(/^dfs-node: --http 0\.0\.0\.0:\d+ would serve the API to the network.*missing: .*--insecure/);
  });

  it.skipIf(lan === undefined)('with --insecure it listens where it was told', async () => {
    const port = await freePort();
    const node = await runOne(cluster, ['--http', `0.0.0.0:${port}`, '--insecure']);
    try {
      expect(node.exitCode).toBeNull();
      expect(await reachable(`http://${lan}:${port}/livez`)).toBe(true);
    } finally {
      await node.stop();
    }
  });
});

describe('peer traffic without a configured secret', () => {
  it('is authenticated with a dev secret beside the data directories, readable by this user only', async () => {
    const info = await stat(path.join(cluster.dir, '.dfs-dev-secret'));
    expect(info.mode & 0o777).toBe(0o600);
    expect((await readFile(path.join(cluster.dir, '.dfs-dev-secret'), 'utf8')).trim().length).toBeGreaterThanOrEqual(32);
  });

  it('refuses a chunk pushed by anyone else (the issue\'s injected chunk) and stores nothing', async () => {
    const body = Buffer.from('injected');
    const hash = createHash('sha256').update(body).digest('hex');
    const res = await fetch(`http://127.0.0.1:${follower.peerPort}/peer/chunks/${hash}`, { method: 'PUT', headers: { 'x-dfs-from': String(leader.id) }, body });
    expect(res.status).toBe(401);
    expect(await chunkCount(follower)).toBe(0);
  });

  it('refuses a Raft stream opened by anyone else', async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: follower.peerPort, path: '/peer/raft', headers: { connection: 'Upgrade', upgrade: 'dfs-raft/1', 'x-dfs-from': String(leader.id) } });
      req.on('upgrade', (_res, socket) => {
        socket.destroy();
        resolve(101);
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer).toBe(401);
  });
});

describe('membership without a secret', () => {
  it('is refused to every caller, on leader and follower, and changes nothing', async () => {
    for (const node of [leader, follower]) {
      const add = await json<{ error: string }>(`${node.url}/cluster/members`, { method: 'POST', body: JSON.stringify({ id: 9, peerAddress: '127.0.0.1:29998' }) });
      expect(add.status).toBe(401);
      expect(add.body.error).toBe('unauthorized');
      const remove = await json<{ error: string }>(`${node.url}/cluster/members/3`, { method: 'DELETE' });
      expect(remove.status).toBe(401);
    }
    const status = await json<{ peers: { id: number }[] }>(`${leader.url}/status`);
    expect(status.body.peers.map((p) => p.id).sort()).toEqual(cluster.followers(leader).map((n) => n.id).sort());
  });
});

describe('a forged leader announcement', () => {
  it('does not redirect a follower\'s writes', async () => {
    let fakeHits = 0;
    const fake = http.createServer((_req, res) => {
      fakeHits++;
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"name":"x","size":0}');
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    try {
      // The request: claims to be the leader and announces a URL of the attacker's choosing.
      const forged = await fetch(`http://127.0.0.1:${follower.peerPort}/peer/rpc/nothing`, {
        method: 'POST',
        headers: { 'x-dfs-from': String(leader.id), 'x-dfs-http': fakeUrl },
        body: '{}',
      });
      expect(forged.status).toBeGreaterThanOrEqual(400);
      const status = await json<{ leaderUrl: string | null }>(`${follower.url}/status`);
      expect(status.body.leaderUrl).toBe(leader.url);
      const upload = await fetch(`${follower.url}/upload/real.txt`, { method: 'POST', body: 'stored for real' });
      expect(upload.status).toBe(201);
      expect(fakeHits).toBe(0);
      expect(await (await fetch(`${leader.url}/files/real.txt`)).text()).toBe('stored for real');
    } finally {
      fake.close();
    }
  });
});
