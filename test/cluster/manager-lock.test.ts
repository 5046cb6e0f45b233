// One manager per cluster (issue #22), with real processes: web mode, `npm run cluster` and real
// dfs-node processes on free ports. A second start on a managed data dir says who manages it in
// one line, hands the dashboard over (--open) and exits, while the first one's nodes run on
// untouched; a manager killed with SIGKILL is replaced by the next start on its stale lock.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../node-runtime/common/manager-api';
import { HANDOVER_FILE, LOCK_FILE, type LockOwner } from '../../electron/manager/cluster-lock';
import { pickPort } from '../../electron/manager/ports';
import { isAlive, makeTempDir, waitFor } from '../fixtures/manager/helpers';
import { repoRoot } from './harness';

const webEntry = fileURLToPath(new URL('../../electron/manager/web.ts', import.meta.url));
const clusterScript = path.join(repoRoot, 'scripts/cluster.ts');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Started {
  readonly child: ChildProcess & { pid: number };
  readonly out: () => string;
  readonly err: () => string;
  readonly exited: Promise<number | null>;
}

/** Runs `node --import tsx <entry>`; cleanup stops it (its whole group when `group`) gracefully, then by force. */
function run(entry: string, args: string[], env: NodeJS.ProcessEnv, register: (cleanup: () => Promise<void>) => void, group = false): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  register(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const signal = (sig: NodeJS.Signals): void => {
      if (group) process.kill(-(child.pid as number), sig);
      else child.kill(sig);
    };
    signal('SIGTERM');
    const gone = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 20_000).unref())]);
    if (!gone) signal('SIGKILL');
  });
  return { child: child as ChildProcess & { pid: number }, out: () => out, err: () => err, exited };
}

function startWeb(dataDir: string, register: (cleanup: () => Promise<void>) => void, extraArgs: string[] = [], env: NodeJS.ProcessEnv = process.env): Started {
  return run(webEntry, ['--data-dir', dataDir, '--no-seed-ports', ...extraArgs], env, register);
}

interface Dashboard {
  readonly url: string;
  readonly port: number;
  readonly token: string;
}

async function dashboardOf(web: Started): Promise<Dashboard> {
  const line = await waitFor('the dashboard URL', () => (web.out().includes('\n') ? web.out().split('\n')[0] : undefined), 60_000);
  const match = /^DFS Desktop dashboard: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+))$/.exec(line ?? '');
  if (!match) throw new Error(`not a dashboard line: ${line}; stderr: ${web.err()}`);
  return { url: match[1] as string, port: Number(match[2]), token: match[3] as string };
}

async function snapshot(dashboard: Dashboard): Promise<ClusterSnapshot> {
  const res = await fetch(`http://127.0.0.1:${dashboard.port}/api/cluster`, { headers: { authorization: `Bearer ${dashboard.token}` } });
  return (await res.json()) as ClusterSnapshot;
}

function healthy(dashboard: Dashboard): Promise<ClusterSnapshot> {
  return waitFor('a healthy cluster with every node running', async () => {
    const body = await snapshot(dashboard);
    return body.health === 'healthy' && body.nodes.every((n) => n.process?.state === 'running') ? body : undefined;
  }, 90_000);
}

/** What must not change while a second start comes and goes: each node's process and restart count. */
function processes(body: ClusterSnapshot): { pid: number | null; state: string; restarts: number }[] {
  return body.nodes.map((n) => ({ pid: n.process?.pid ?? null, state: n.process?.state ?? 'none', restarts: n.process?.restarts ?? -1 }));
}

async function lockOwner(dataDir: string): Promise<LockOwner> {
  return JSON.parse(await readFile(path.join(dataDir, LOCK_FILE), 'utf8')) as LockOwner;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sinceText = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d';

describe('a cluster already managed by web mode', () => {
  const suite: (() => Promise<void>)[] = [];
  const register = (cleanup: () => Promise<void>): void => void suite.push(cleanup);
  let dataDir = '';
  let first: Started;
  let dashboard: Dashboard;
  let before: ReturnType<typeof processes>;

  beforeAll(async () => {
    const temp = await makeTempDir('dfs-lock-web-');
    register(temp.remove);
    dataDir = temp.dir;
    first = startWeb(dataDir, register);
    dashboard = await dashboardOf(first);
    before = processes(await healthy(dashboard));
  });
  afterAll(async () => {
    for (const cleanup of suite.splice(0).reverse()) await cleanup();
  });

  it('web + web: the second start says who manages it, opens that dashboard with --open, and exits 0', async () => {
    // A stand-in browser: web mode opens URLs with xdg-open, found on PATH.
    const binDir = await makeTempDir('dfs-lock-bin-');
    cleanups.push(binDir.remove);
    const bin = binDir.dir;
    const opened = path.join(bin, 'opened');
    await writeFile(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$1" > '${opened}'\n`);
    await chmod(path.join(bin, 'xdg-open'), 0o755);

    const second = startWeb(dataDir, (c) => cleanups.push(c), ['--open'], { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` });
    expect(await second.exited).toBe(0);
    expect(second.out()).toMatch(
      new RegExp(`^DFS Desktop: the cluster in ${escape(dataDir)} is already managed by web mode \\(pid ${first.child.pid}, since ${sinceText}, dashboard on port ${dashboard.port}\\); opening its dashboard\\.\\n$`),
    );
    expect(second.out()).not.toContain(dashboard.token);
    expect(second.err()).toBe('');
    expect(await waitFor('the browser to be opened', () => readFile(opened, 'utf8'))).toBe(`${dashboard.url}\n`);
    expect((await stat(path.join(dataDir, HANDOVER_FILE))).mode & 0o777).toBe(0o600);

    // Without --open it only says so.
    const third = startWeb(dataDir, (c) => cleanups.push(c));
    expect(await third.exited).toBe(0);
    expect(third.out()).toMatch(/; use that dashboard, or start again with --open to open it\.\n$/);

    const after = await snapshot(dashboard);
    expect(after.health).toBe('healthy');
    expect(processes(after)).toEqual(before);
    expect(await lockOwner(dataDir)).toMatchObject({ pid: first.child.pid, holder: 'web', port: dashboard.port });
  });

  it('web + `npm run cluster`: the script refuses, naming web mode, and the nodes run on', async () => {
    const ports = new Set<number>();
    const http = [await pickPort(ports), await pickPort(ports), await pickPort(ports)];
    const peer = [await pickPort(ports), await pickPort(ports), await pickPort(ports)];
    const env = { ...process.env, STORAGE_PATH: dataDir, DFS_HTTP_PORTS: http.join(','), DFS_PEER_PORTS: peer.join(',') };
    const script = run(clusterScript, [], env, (c) => cleanups.push(c), true);
    expect(await script.exited).toBe(1);
    expect(script.err()).toMatch(
      new RegExp(`^Cannot start: the cluster in ${escape(dataDir)} is already managed by web mode \\(pid ${first.child.pid}, since ${sinceText}, dashboard on port ${dashboard.port}\\)\\. Stop it first, or use its dashboard\\.\\n$`),
    );
    expect(script.out()).toBe('');

    const after = await snapshot(dashboard);
    expect(after.health).toBe('healthy');
    expect(processes(after)).toEqual(before);
  });
});

describe('a cluster run by `npm run cluster`', () => {
  it('web mode refuses it, naming the script, and the script keeps its nodes, then frees the cluster on Ctrl-C', async () => {
    const temp = await makeTempDir('dfs-lock-script-');
    cleanups.push(temp.remove);
    const ports = new Set<number>();
    const http = [await pickPort(ports), await pickPort(ports), await pickPort(ports)];
    const peer = [await pickPort(ports), await pickPort(ports), await pickPort(ports)];
    const env = { ...process.env, STORAGE_PATH: temp.dir, DFS_HTTP_PORTS: http.join(','), DFS_PEER_PORTS: peer.join(',') };
    const script = run(clusterScript, [], env, (c) => cleanups.push(c), true);
    await waitFor('the leader line', () => /leader: node \d/.test(script.out()), 90_000);
    // Each node's own data-directory lock names its process.
    const nodePids = async (): Promise<number[]> =>
      Promise.all([1, 2, 3].map(async (id) => Number.parseInt(await readFile(path.join(temp.dir, `node-${id}`, 'LOCK'), 'utf8'), 10)));
    const pids = await nodePids();

    const web = startWeb(temp.dir, (c) => cleanups.push(c));
    expect(await web.exited).toBe(1);
    expect(web.out()).toMatch(
      new RegExp(`^DFS Desktop: the cluster in ${escape(temp.dir)} is already managed by \`npm run cluster\` \\(pid ${script.child.pid}, since ${sinceText}\\), which serves no dashboard; stop it first \\(Ctrl-C in its terminal\\)\\.\\n$`),
    );
    expect(await nodePids()).toEqual(pids);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    for (const port of http) expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
    expect(script.out()).not.toContain('exited');

    process.kill(-script.child.pid, 'SIGINT');
    expect(await script.exited).toBe(0);
    await expect(stat(path.join(temp.dir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a web manager killed with SIGKILL', () => {
  it('is replaced by the next start, which takes over its stale lock and brings the cluster back', async () => {
    const temp = await makeTempDir('dfs-lock-kill-');
    cleanups.push(temp.remove);
    const first = startWeb(temp.dir, (c) => cleanups.push(c));
    const firstDashboard = await dashboardOf(first);
    const oldPids = processes(await healthy(firstDashboard)).map((p) => p.pid as number);
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await lockOwner(temp.dir)).pid).toBe(first.child.pid);

    const second = startWeb(temp.dir, (c) => cleanups.push(c));
    const secondDashboard = await dashboardOf(second);
    const back = await healthy(secondDashboard);
    expect(back.nodes).toHaveLength(3);
    for (const pid of oldPids) expect(isAlive(pid)).toBe(false);
    expect(await lockOwner(temp.dir)).toMatchObject({ pid: second.child.pid, holder: 'web', port: secondDashboard.port });
    expect(await readFile(path.join(temp.dir, HANDOVER_FILE), 'utf8')).toContain(secondDashboard.token);

    const pids = processes(back).map((p) => p.pid as number);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    await expect(stat(path.join(temp.dir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(path.join(temp.dir, HANDOVER_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
