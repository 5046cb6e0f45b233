// One manager per cluster (issue #22), with real processes: web mode, `npm run cluster` and real
// dfs-node processes on free ports. A second start on a managed data dir says who manages it in
// one line, hands the dashboard over (--open) and exits, while the first one's nodes run on
// untouched; a manager killed with SIGKILL is replaced by the next start on its stale lock.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HANDOVER_FILE, LOCK_FILE, type LockOwner } from '../../electron/manager/supervision/cluster-lock';
import { pickPort } from '../../electron/manager/supervision/ports';
import { isAlive, makeTempDir, waitFor } from '../fixtures/manager/helpers';
import { dashboardOf, fakeBrowser, healthy, processes, run, startWeb, type Dashboard, type Started } from '../fixtures/manager/web-process';
import { repoRoot } from './harness';

const clusterScript = path.join(repoRoot, 'scripts/cluster.ts');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

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
    const browser = await fakeBrowser();
    cleanups.push(browser.remove);
    const second = startWeb(dataDir, (c) => cleanups.push(c), ['--open'], browser.env);
    expect(await second.exited).toBe(0);
    expect(second.out()).toMatch(
      new RegExp(`^DFS Desktop: the cluster in ${escape(dataDir)} is already managed by web mode \\(pid ${first.child.pid}, since ${sinceText}, dashboard on port ${dashboard.port}\\); opening its dashboard\\.\\n$`),
    );
    expect(second.out()).not.toContain(dashboard.token);
    expect(second.err()).toBe('');
    expect(await browser.opened()).toBe(dashboard.url);
    expect((await stat(path.join(dataDir, HANDOVER_FILE))).mode & 0o777).toBe(0o600);

    // Without --open it only says so.
    const third = startWeb(dataDir, (c) => cleanups.push(c));
    expect(await third.exited).toBe(0);
    expect(third.out()).toMatch(/; use that dashboard, or start again with --open to open it\.\n$/);

    // Healthy again (on two loaded cores a starved node can call an election at any moment) with
    // the very same processes: none was stopped, replaced or restarted by the refused start.
    expect(processes(await healthy(dashboard))).toEqual(before);
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

    // Healthy again (on two loaded cores a starved node can call an election at any moment) with
    // the very same processes: none was stopped, replaced or restarted by the refused start.
    expect(processes(await healthy(dashboard))).toEqual(before);
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
    // A leader needs two nodes: the third may still be starting, its lock not yet taken.
    const pids = await waitFor('every node to hold its data directory', () => nodePids().catch(() => null), 30_000);

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
