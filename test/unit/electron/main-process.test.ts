// The bundled main process, run for real under plain Node: electron/main/main.ts is bundled
// exactly as scripts/build.js does it, 'electron' resolves to a recording stand-in
// (fixtures/fake-electron) whose utilityProcess runs real dfs-node processes, and a driver
// (fixtures/drive-main.mjs) uses the app as the window and the user would. This covers the wiring
// the Electron smoke test covers, on machines without an Electron binary.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, windowWebPreferences } from '../../../electron/manager/control-api/security-policy';
import { buildFakeApp } from './fixtures/fake-app';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

interface DriveResult {
  failure?: string;
  schemes: { scheme: string; privileges: Record<string, boolean> }[];
  window: { url: string; webPreferences: Record<string, unknown> };
  cluster: { nodes: number; leaderId: number; pids: number[] };
  forks: { modulePath: string; serviceName: string; stdio: string[] }[];
  index: { status: number; csp: string; text: string };
  pagePostsWatchedFolder: number;
  ipcFromOtherOrigin: string;
  openedDataFolder: string;
  revealOutside: string;
  watchedFolder: { path: string; remotePrefix: string };
  watchedList: string[];
  revealed: string;
  windowOpen: { https: string; http: string; file: string; app: string; openedExternally: string[] };
  navigation: { away: string; file: string; inApp: string; openedExternally: string[] };
  permissions: { media: boolean; clipboardWrite: boolean; clipboardFromElsewhere: boolean };
  menuLabels: string[];
  trayTooltip: string;
  faults: { pausedState: string; restarts: number; narrated: string[] };
  resetDialog: string;
  reset: { newSecret: boolean; nodes: number; oldPidsGone: boolean; watchedFolderKept: boolean };
  quit: { nodesGone: boolean; apiAfterQuit: number; trayDestroyed: boolean };
  errorBoxes: unknown[];
}

let root = '';
let result: DriveResult;

beforeAll(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dfs-main-')));
  const appPath = path.join(root, 'app');
  await buildFakeApp(appPath);
  await mkdir(path.join(root, 'watched'));

  const env = {
    ...process.env,
    FAKE_APP_PATH: appPath,
    FAKE_APP_DATA: path.join(root, 'appdata'),
    DFS_DESKTOP_DATA_DIR: path.join(root, 'userdata'),
    DFS_DESKTOP_SEED_PORTS: '0',
    WATCH_DIR: path.join(root, 'watched'),
  };
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [path.join(fixtures, 'drive-main.mjs')], { env, timeout: 170_000, maxBuffer: 64 * 1024 * 1024 }, (err, out, errOut) => {
      if (err) reject(new Error(`${err.message}\n${errOut}`));
      else resolve(out);
    });
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`the driver printed no result:\n${stdout.slice(-4000)}`);
  result = JSON.parse(line.slice('RESULT '.length)) as DriveResult;
  if (result.failure) throw new Error(`the driver failed: ${result.failure}`);
}, 180_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the main process, bundled, under a stand-in Electron', () => {
  it('registers app:// as a privileged standard scheme and opens one secure window on it', () => {
    expect(result.schemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true, stream: true, bypassCSP: false }) }]);
    expect(result.window.url).toBe('app://dfs/index.html');
    expect(result.window.webPreferences).toEqual(windowWebPreferences(path.join(root, 'app/dist/electron/preload.cjs'), { devTools: true }));
  });

  it('runs three dfs-node utility processes from dist/node/dfs-node.mjs; the dashboard API shows them and a leader', () => {
    expect(result.cluster.nodes).toBe(3);
    expect(result.cluster.leaderId).toBeGreaterThan(0);
    expect(result.forks.length).toBeGreaterThanOrEqual(3);
    for (const fork of result.forks) {
      expect(fork.modulePath).toBe(path.join(root, 'app/dist/node/dfs-node.mjs'));
      expect(fork.serviceName).toMatch(/node/i);
      expect(fork.stdio).toEqual(['ignore', 'pipe', 'pipe']);
    }
  });

  it('serves the dashboard with the CSP header', () => {
    expect(result.index).toEqual({ status: 200, csp: CONTENT_SECURITY_POLICY, text: '<!doctype html><title>DFS Desktop</title>' });
  });

  it('answers IPC only from the dashboard, and checks arguments', () => {
    expect(result.ipcFromOtherOrigin).toMatch(/refused/);
    expect(result.openedDataFolder).toBe(path.join(root, 'userdata'));
    expect(result.revealOutside).toMatch(/relative path inside the folder/);
  });

  it('watches a folder chosen in the native picker (never one the page names), through the manager to the cluster', () => {
    expect(result.pagePostsWatchedFolder).toBe(405);
    expect(result.watchedFolder).toEqual({ path: path.join(root, 'watched'), remotePrefix: 'watched/' });
    expect(result.watchedList).toEqual([path.join(root, 'watched')]);
    expect(result.revealed).toBe(path.join(root, 'watched', 'hello.txt'));
  });

  it('keeps the page in the app: links out go to the system browser (https only), new windows only for the app', () => {
    expect(result.navigation).toEqual({ away: 'blocked', file: 'blocked', inApp: 'allowed', openedExternally: ['https://example.com/away'] });
    expect(result.windowOpen).toEqual({ https: 'deny', http: 'deny', file: 'deny', app: 'allow', openedExternally: ['https://example.com/docs'] });
    expect(result.permissions).toEqual({ media: false, clipboardWrite: true, clipboardFromElsewhere: false });
  });

  it('has the menu items of the issue, dev tools in development, and the cluster health in the menu and tray', () => {
    for (const label of ['New Cluster…', 'Attach to Cluster…', 'Reset Cluster…', 'Open Data Folder', 'Watch a Folder…', 'toggleDevTools']) {
      expect(result.menuLabels).toContain(label);
    }
    expect(result.menuLabels.some((l) => /^Healthy · leader node \d$/.test(l))).toBe(true);
    expect(result.trayTooltip).toMatch(/^DFS Desktop — local cluster: Healthy · leader node \d · 3 of 3 nodes answering$/);
  });

  it('pauses, resumes and kills nodes through the utility-process launcher; a killed node is restarted', () => {
    expect(result.faults.pausedState).toBe('paused');
    expect(result.faults.restarts).toBeGreaterThanOrEqual(1);
    expect(result.faults.narrated.some((msg) => /kill/i.test(msg))).toBe(true);
  });

  it('Reset Cluster asks first, then starts a new three-node cluster; the watched folder stays', () => {
    expect(result.resetDialog).toBe('Reset the local cluster?');
    expect(result.reset).toEqual({ newSecret: true, nodes: 3, oldPidsGone: true, watchedFolderKept: true });
  });

  it('quitting stops every node before the app exits', () => {
    expect(result.quit).toEqual({ nodesGone: true, apiAfterQuit: 503, trayDestroyed: true });
    expect(result.errorBoxes).toEqual([]);
  });
});
