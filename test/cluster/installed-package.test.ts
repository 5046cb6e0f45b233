// Issue #18: the package an operator installs. `npm pack` in packages/dfs-node, `npm install -g`
// of the tarball into a fresh prefix (offline: it may need nothing from a registry), three nodes
// started from the installed `dfs-node`, and every kind of dfsctl command run by the installed
// `dfsctl` against them, its JSON output and exit codes checked.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, TestCluster, waitFor, type TestNode } from './harness';

const run = promisify(execFile);
const packageDir = path.join(repoRoot, 'packages/dfs-node');

let work: string;
let prefix: string;
let cluster: TestCluster;
let leader: TestNode;
let follower: TestNode;

const installed = (command: string) => path.join(prefix, 'bin', command);

interface CtlRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The installed dfsctl with JSON output, through a follower first; never throws. */
async function dfsctl(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CtlRun> {
  try {
    const { stdout, stderr } = await run(installed('dfsctl'), ['--endpoints', `${follower.url},${leader.url}`, '-o', 'json', ...args], { cwd: work, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function dfsctlJson<T>(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<T> {
  const result = await dfsctl(args, env);
  if (result.code !== 0) throw new Error(`dfsctl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'dfs-package-'));
  prefix = path.join(work, 'prefix');
  const packed = await run('npm', ['pack', '--pack-destination', work], { cwd: packageDir });
  const tarball = path.join(work, packed.stdout.trim().split('\n').pop()!);
  await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { cwd: work });
  cluster = await TestCluster.start({ command: [installed('dfs-node')] });
  leader = await cluster.waitForLeader();
  follower = cluster.followers(leader)[0]!;
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('holds two bundled commands and nothing else: no TypeScript, no tsx, no dependencies', async () => {
    const root = path.join(prefix, 'lib/node_modules/dfs-node');
    const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
    expect(files.sort()).toEqual(['README.md', 'dist/dfs-node.mjs', 'dist/dfsctl.mjs', 'package.json']);
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.bin).toEqual({ 'dfs-node': 'dist/dfs-node.mjs', dfsctl: 'dist/dfsctl.mjs' });
    for (const bundle of ['dfs-node.mjs', 'dfsctl.mjs']) {
      const text = await readFile(path.join(root, 'dist', bundle), 'utf8');
      expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
      expect(text).not.toMatch(/from ['"]tsx|import\(['"]tsx/);
    }
    const help = await run(installed('dfs-node'), ['--help']);
    expect(help.stdout).toContain('--cluster');
  });

  it('status: every member with role, term, commit, lag and health, through any endpoint', async () => {
    const status = await dfsctlJson<{ leaderId: number; members: { id: number; role: string; health: string; lag: number }[] }>(['status']);
    expect(status.leaderId).toBe(leader.id);
    expect(status.members.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(status.members.filter((m) => m.role === 'leader').map((m) => m.id)).toEqual([leader.id]);
    expect(status.members.every((m) => m.health === 'healthy' && m.lag >= 0)).toBe(true);
    const dead = await freePort();
    const viaDead = await run(installed('dfsctl'), ['--endpoints', `127.0.0.1:${dead},${follower.url}`, '-o', 'json', 'status']);
    expect((JSON.parse(viaDead.stdout) as { leaderId: number }).leaderId).toBe(leader.id);
  });

  it('put, ls, info, get (verified), rm: a file round-trips byte for byte', async () => {
    const content = randomBytes(300_000);
    const local = path.join(work, 'upload.bin');
    await writeFile(local, content);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const put = await dfsctlJson<{ name: string; sha256: string; version: number }>(['put', local, 'ops/upload.bin']);
    expect(put).toMatchObject({ name: 'ops/upload.bin', sha256, version: 1 });
    const listing = await dfsctlJson<{ items: { name: string; size: number }[] }>(['ls', 'ops/']);
    expect(listing.items.map((f) => [f.name, f.size])).toEqual([['ops/upload.bin', content.length]]);
    const info = await dfsctlJson<{ sha256: string; replicas: { node: number; missing: number[] }[] }>(['info', 'ops/upload.bin']);
    expect(info.sha256).toBe(sha256);
    const saved = path.join(work, 'download.bin');
    await dfsctlJson(['get', 'ops/upload.bin', saved]);
    expect(createHash('sha256').update(await readFile(saved)).digest('hex')).toBe(sha256);
    await dfsctlJson(['rm', 'ops/upload.bin']);
    expect((await dfsctlJson<{ items: unknown[] }>(['ls', 'ops/'])).items).toEqual([]);
    const missing = await dfsctl(['get', 'ops/upload.bin', path.join(work, 'gone.bin')]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('not_found');
  });

  it('lock acquire, renew and release, with the conflict exit code while it is held', async () => {
    const local = path.join(work, 'locked.txt');
    await writeFile(local, 'hold me');
    await dfsctlJson(['put', local, 'ops/locked.txt']);
    const grant = await dfsctlJson<{ token: string; owner: string }>(['lock', 'acquire', 'ops/locked.txt', '--owner', 'ops-test', '--ttl', '60000']);
    expect(grant.owner).toBe('ops-test');
    const removeLocked = await dfsctl(['rm', 'ops/locked.txt']);
    expect(removeLocked.code, removeLocked.stderr).toBe(5);
    const wrongToken = await dfsctl(['lock', 'release', 'ops/locked.txt', 'not-the-token']);
    expect(wrongToken.code, wrongToken.stderr).toBe(5);
    await dfsctlJson(['lock', 'renew', 'ops/locked.txt', grant.token, '--ttl', '30000']);
    await dfsctlJson(['lock', 'release', 'ops/locked.txt', grant.token]);
    await dfsctlJson(['rm', 'ops/locked.txt']);
  });

  it('config set takes units and applies to the whole cluster; a bad value changes nothing', async () => {
    await dfsctlJson(['config', 'set', 'storageQuota=3 GiB', 'maxFileBytes=1 GiB']);
    for (const node of cluster.nodes) {
      const view = JSON.parse((await run(installed('dfsctl'), ['--endpoints', node.url, '-o', 'json', 'config', 'get', 'storageQuota', 'maxFileBytes'])).stdout) as Record<string, { value: number }>;
      expect([view.storageQuota?.value, view.maxFileBytes?.value]).toEqual([3 * 2 ** 30, 2 ** 30]);
    }
    const bad = await dfsctl(['config', 'set', 'maxFileBytes=2 GiB', 'storageQuota=lots']);
    expect(bad.code).toBe(2);
    expect((await dfsctlJson<Record<string, { value: number }>>(['config', 'get', 'maxFileBytes'])).maxFileBytes?.value).toBe(2 ** 30);
  });

  it('member add, list and remove a node started from the installed dfs-node with --join', async () => {
    const [httpPort, peerPort] = [await freePort(), await freePort()];
    const joinerDir = path.join(cluster.dir, 'node-4');
    const joiner: ChildProcess = spawn(installed('dfs-node'), ['--node', '3', '--http', `127.0.0.1:${httpPort}`, '--cluster', `${cluster.clusterFlag};4,127.0.0.1:${peerPort}`, '--data-dir', joinerDir, '--join'], {
      env: { ...process.env, DFS_CLUSTER_SECRET: cluster.secret },
      stdio: 'ignore',
    });
    try {
      const secret = { DFS_CLUSTER_SECRET: cluster.secret };
      expect((await dfsctl(['member', 'add', '4', `127.0.0.1:${peerPort}`])).code).toBe(2);
      await dfsctlJson(['member', 'add', '4', `127.0.0.1:${peerPort}`, '--http-url', `http://127.0.0.1:${httpPort}`], secret);
      const members = await dfsctlJson<{ members: { id: number; learner: boolean }[] }>(['member', 'list']);
      expect(members.members.map((m) => [m.id, m.learner])).toEqual([[1, false], [2, false], [3, false], [4, false]]);
      expect((await dfsctl(['member', 'promote', '4'], secret)).code).toBe(5);
      await dfsctlJson(['member', 'remove', '4'], secret);
      await waitFor('node 4 to leave the member list', async () => !(await dfsctlJson<{ members: { id: number }[] }>(['member', 'list'])).members.some((m) => m.id === 4), 15_000);
    } finally {
      joiner.kill('SIGKILL');
    }
  });

  it('exit codes a script can rely on: usage 2, unreachable 3', async () => {
    expect((await dfsctl(['no-such-command'])).code).toBe(2);
    const dead = await freePort();
    const unreachable = await run(installed('dfsctl'), ['--endpoints', `127.0.0.1:${dead}`, 'ls']).catch((err: { code: number; stderr: string }) => err);
    expect(unreachable).toMatchObject({ code: 3 });
    expect((unreachable as { stderr: string }).stderr).toContain('no node answered');
  });
});
