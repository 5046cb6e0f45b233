// Every command of the seed README's "Run (Raft + HTTP)" and "Testing Guide", run as written —
// `npx dfs-node` with the seed's flags, then `curl` — with only the port numbers moved to free
// ones (the seed's 8081–8083 / 8000–8002 may be taken on the machine running the tests).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, waitFor } from '../cluster/harness';

const run = promisify(execFile);

let dir: string;
let http: number[];
let peer: number[];
let nodes: ChildProcess[] = [];

/** Runs one README command line in a shell, in the temp directory, with the seed's ports replaced. */
async function sh(command: string): Promise<string> {
  const seedPorts: Record<string, number> = {};
  [8081, 8082, 8083].forEach((p, i) => (seedPorts[p] = http[i] as number));
  [8000, 8001, 8002].forEach((p, i) => (seedPorts[p] = http[i] as number));
  [3030, 3031, 3032].forEach((p, i) => (seedPorts[p] = peer[i] as number));
  const local = command.replace(/\b(8081|8082|8083|8000|8001|8002|3030|3031|3032)\b/g, (p) => String(seedPorts[p]));
  const { stdout } = await run('bash', ['-c', local], { cwd: dir, timeout: 30_000 });
  return stdout;
}

function startNode(command: string): ChildProcess {
  const local = command.replace(/\b(8081|8082|8083|3030|3031|3032)\b/g, (p) => {
    const n = Number(p);
    return String(n >= 8081 ? http[n - 8081] : peer[n - 3030]);
  });
  // Its own process group, so stopping it stops npx and the node process npx started.
  const child = spawn('bash', ['-c', `exec ${local} >> node-${nodes.length}.log 2>&1`], { cwd: dir, stdio: 'ignore', detached: true });
  nodes.push(child);
  return child;
}

/** Ctrl-C in the seed's terminal: the signal goes to the whole foreground process group. */
function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

const startCommands = [
  'npx dfs-node --node 0 --http :8081 --cluster "1,:3030;2,:3031;3,:3032"',
  'npx dfs-node --node 1 --http :8082 --cluster "1,:3030;2,:3031;3,:3032"',
  'npx dfs-node --node 2 --http :8083 --cluster "1,:3030;2,:3031;3,:3032"',
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-seed-'));
  http = [await freePort(), await freePort(), await freePort()];
  peer = [await freePort(), await freePort(), await freePort()];
  await writeFile(path.join(dir, 'README.md'), await readFile(path.join(repoRoot, 'README.md')));
  // The temp directory stands in for a project that installed dfs-node: npx finds its bin there,
  // and each node's default data directory (./data/node-<id>) lands in the temp directory.
  await mkdir(path.join(dir, 'node_modules/.bin'), { recursive: true });
  await symlink(path.join(repoRoot, 'bin/dfs-node.js'), path.join(dir, 'node_modules/.bin/dfs-node'));
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'seed-commands', private: true }));
  for (const command of startCommands) startNode(command);
  for (const port of [8081, 8082, 8083]) {
    await waitFor(`node on ${port} to know the leader`, async () => (JSON.parse(await sh(`curl -s http://localhost:${port}/leader`)) as { leaderId: number | null }).leaderId, 30_000);
  }
});

afterAll(async () => {
  for (const child of nodes) stopGroup(child, 'SIGKILL');
  nodes = [];
  if (!process.env.KEEP_TEST_CLUSTER) await rm(dir, { recursive: true, force: true });
});

async function leaderPort(): Promise<number> {
  const { leaderUrl } = JSON.parse(await sh('curl -s http://localhost:8081/leader')) as { leaderUrl: string };
  return Number(new URL(leaderUrl).port);
}

describe('seed README: Run (Raft + HTTP)', () => {
  it('Verify: /status answers on every node', async () => {
    for (const port of [8081, 8082, 8083]) {
      const status = JSON.parse(await sh(`curl http://localhost:${port}/status`)) as { role: string; term: number };
      expect(['leader', 'follower']).toContain(status.role);
      expect(status.term).toBeGreaterThan(0);
    }
  });

  it('Upload and fetch files: upload/README.md, /files, raw download', async () => {
    const leader = await leaderPort();
    const seedLeader = [8081, 8082, 8083][http.indexOf(leader)];
    await sh(`curl -X POST --data-binary @README.md http://localhost:${seedLeader}/upload/README.md`);
    // 8082 may be a follower: its listing is local state, which learns the commit at the leader's
    // next append or tick (up to 20 ms later with lazy commit broadcast), as node 3 below.
    await waitFor('8082 to list README.md', async () => (JSON.parse(await sh('curl http://localhost:8082/files')) as { items: { name: string }[] }).items.some((f) => f.name === 'README.md'));
    await waitFor('node 3 to apply README.md', async () => (await sh('curl -s -o /dev/null -w "%{http_code}" "http://localhost:8083/fileinfo?name=README.md"')) === '200');
    await sh('curl http://localhost:8083/README.md -o README.copy.md');
    expect(await readFile(path.join(dir, 'README.copy.md'))).toEqual(await readFile(path.join(dir, 'README.md')));
  });
});

describe('seed README: Testing Guide', () => {
  it('Health check all nodes and verify leader election', async () => {
    for (const port of [8000, 8001, 8002]) {
      expect(JSON.parse(await sh(`curl http://localhost:${port}/health`))).toMatchObject({ status: expect.stringMatching(/healthy|degraded/) });
    }
    const leader = JSON.parse(await sh('curl http://localhost:8000/leader')) as { leaderId: number };
    expect([1, 2, 3]).toContain(leader.leaderId);
  });

  it('File operations: multipart upload, replication to all nodes, download and verify', async () => {
    await sh('echo "Test content for distributed file system" > test.txt');
    const uploaded = JSON.parse(await sh('curl -X POST -F "file=@test.txt" http://localhost:8000/upload')) as { name: string; version: number };
    expect(uploaded.name).toBe('test.txt');
    for (const port of [8000, 8001, 8002]) {
      await waitFor(`test.txt listed on ${port}`, async () => (JSON.parse(await sh(`curl http://localhost:${port}/files`)) as { items: { name: string }[] }).items.some((f) => f.name === 'test.txt'));
    }
    await sh('curl "http://localhost:8001/download?name=test.txt" -o downloaded.txt');
    expect(await sh('cat downloaded.txt')).toBe('Test content for distributed file system\n');
  });

  it('Advanced: configuration get and update, stats, recovery status', async () => {
    const config = JSON.parse(await sh('curl http://localhost:8000/config')) as Record<string, { value: unknown; scope: string }>;
    expect(config.logLevel?.scope).toBe('node');
    const updated = JSON.parse(
      await sh(`curl -X PUT http://localhost:8000/config \\
  -H "Content-Type: application/json" \\
  -d '{"logLevel": "DEBUG"}'`),
    ) as Record<string, { value: unknown; source: string }>;
    expect(updated.logLevel).toMatchObject({ value: 'debug', source: 'api' });

    const stats = JSON.parse(await sh('curl http://localhost:8000/stats')) as Record<string, unknown>;
    for (const key of ['totalFiles', 'totalSize', 'quotaUsed', 'quotaLimit', 'storageUsage', 'nodeStatus', 'lastBackup']) expect(stats).toHaveProperty(key);
    expect(stats.storageUsage).toMatch(/^\d+\.\d%$/);

    const recovery = JSON.parse(await sh('curl http://localhost:8000/recovery/status')) as Record<string, unknown>;
    expect(recovery).toHaveProperty('recoveryEnabled', true);
  });

  it('Fault tolerance: a stopped replica recovers; a stopped leader is replaced and file operations continue', async () => {
    // Node failure simulation: stop one replica, upload, restart it, verify automatic recovery.
    const leader = await leaderPort();
    const replicaIndex = http.findIndex((p) => p !== leader);
    stopGroup(nodes[replicaIndex] as ChildProcess, 'SIGINT');
    await waitFor('the replica to stop', async () => (await sh(`curl -s -o /dev/null -w "%{http_code}" http://localhost:${http[replicaIndex]}/livez || true`)) !== '200');
    await sh(`echo "written while a replica was down" > down.txt && curl -s -X POST --data-binary @down.txt http://localhost:${leader}/upload/down.txt`);
    nodes[replicaIndex] = startNode(startCommands[replicaIndex] as string);
    await waitFor('the replica to recover down.txt', async () => (await sh(`curl -s "http://localhost:${http[replicaIndex]}/download?name=down.txt" || true`)) === 'written while a replica was down\n', 30_000);

    // Leader failover: stop the leader, verify a new one, test file operations on it.
    const leaderIndex = http.indexOf(leader);
    stopGroup(nodes[leaderIndex] as ChildProcess, 'SIGINT');
    const others = [0, 1, 2].filter((i) => i !== leaderIndex).map((i) => http[i] as number);
    const newLeader = await waitFor('a new leader', async () => {
      const view = JSON.parse(await sh(`curl -s http://localhost:${others[0]}/leader`)) as { leaderUrl: string | null };
      const port = view.leaderUrl ? Number(new URL(view.leaderUrl).port) : 0;
      return others.includes(port) ? port : undefined;
    }, 30_000);
    await sh(`curl -s -X POST --data-binary @test.txt http://localhost:${newLeader}/upload/after-failover.txt`);
    expect(await sh(`curl -s "http://localhost:${newLeader}/download?name=after-failover.txt"`)).toBe('Test content for distributed file system\n');
  });
});
