// One manager per cluster between the desktop app and web mode, both ways (issue #22): the bundled
// main process under the stand-in Electron, web mode and the nodes as real processes. A start on
// a data folder the other one manages says who does, opens that one's dashboard and exits 0,
// while the first one's nodes run on untouched.
import { spawn } from 'node:child_process';
import { mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../../electron/manager/supervision/cluster-lock';
import { makeTempDir, waitFor } from '../../fixtures/manager/helpers';
import { dashboardOf, fakeBrowser, healthy, processes, snapshot, startWeb } from '../../fixtures/manager/web-process';
import { buildFakeApp, FAKE_DASHBOARD_HTML } from './fixtures/fake-app';

const driver = fileURLToPath(new URL('./fixtures/drive-handover.mjs', import.meta.url));
const sinceText = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d';
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let root = '';
let appPath = '';
beforeAll(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dfs-main-handover-')));
  appPath = path.join(root, 'app');
  await buildFakeApp(appPath);
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function appEnv(dataDir: string, role: 'first' | 'second'): NodeJS.ProcessEnv {
  return { ...process.env, FAKE_APP_PATH: appPath, FAKE_APP_DATA: path.join(root, 'appdata'), DFS_DESKTOP_DATA_DIR: dataDir, DFS_DESKTOP_SEED_PORTS: '0', HANDOVER_ROLE: role };
}

/** The driver's RESULT line, once it printed one. */
function resultOf(out: () => string): Promise<Record<string, unknown>> {
  return waitFor('the driver result', () => {
    const line = out().split('\n').find((l) => l.startsWith('RESULT '));
    return line === undefined ? undefined : (JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>);
  }, 90_000);
}

describe('the desktop app and web mode on one data folder', () => {
  it('the app, started while web mode manages the folder, opens the web dashboard and exits 0', async () => {
    const temp = await makeTempDir('dfs-handover-web-');
    cleanups.push(temp.remove);
    const web = startWeb(temp.dir, (c) => cleanups.push(c));
    const dashboard = await dashboardOf(web);
    const before = processes(await healthy(dashboard));

    const app = spawn(process.execPath, [driver], { env: appEnv(temp.dir, 'second'), stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(async () => void app.kill('SIGKILL'));
    let out = '';
    app.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const result = await resultOf(() => out);
    expect(result).toEqual({ exitCode: 0, external: [dashboard.url], forks: 0, errorBoxes: [] });
    expect(out.split('\n')[0]).toMatch(
      new RegExp(`^DFS Desktop: the cluster in ${escape(temp.dir)} is already managed by web mode \\(pid ${web.child.pid}, since ${sinceText}, dashboard on port ${dashboard.port}\\); opening its dashboard\\.$`),
    );

    const after = await snapshot(dashboard);
    expect(after.health).toBe('healthy');
    expect(processes(after)).toEqual(before);
  }, 150_000);

  it('web mode, started while the app manages the folder, opens the app\'s dashboard with --open and exits 0', async () => {
    const temp = await makeTempDir('dfs-handover-app-');
    cleanups.push(temp.remove);
    const app = spawn(process.execPath, [driver], { env: appEnv(temp.dir, 'first'), stdio: ['pipe', 'pipe', 'inherit'] });
    cleanups.push(async () => void app.kill('SIGKILL'));
    let out = '';
    app.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await waitFor('the app cluster healthy', () => out.includes('READY\n') || out.includes('RESULT '), 120_000);
    expect(out).toContain('READY\n');

    const browser = await fakeBrowser();
    cleanups.push(browser.remove);
    const web = startWeb(temp.dir, (c) => cleanups.push(c), ['--open'], browser.env);
    expect(await web.exited).toBe(0);
    expect(web.out()).toMatch(
      new RegExp(`^DFS Desktop: the cluster in ${escape(temp.dir)} is already managed by the desktop app \\(pid ${app.pid}, since ${sinceText}, dashboard on port \\d+\\); opening its dashboard\\.\\n$`),
    );
    // What the browser got is the app's running dashboard, page and API alike.
    const url = new URL(await browser.opened());
    // As a browser does: trade the token for the session cookie, then load the page with it.
    const landing = await fetch(url, { redirect: 'manual' });
    expect(landing.status).toBe(303);
    const cookie = (landing.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = await fetch(new URL(landing.headers.get('location') ?? '/', url), { headers: { cookie } });
    expect(await page.text()).toBe(FAKE_DASHBOARD_HTML);
    const cluster = await snapshot({ url: url.href, port: Number(url.port), token: url.searchParams.get('token') as string });
    expect(cluster.health).toBe('healthy');
    expect(cluster.nodes.every((n) => n.process?.state === 'running' && n.process.restarts === 0)).toBe(true);

    app.stdin.write('quit\n');
    expect(await resultOf(() => out)).toEqual({ quitDone: true, errorBoxes: [] });
    await expect(stat(path.join(temp.dir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 180_000);
});
