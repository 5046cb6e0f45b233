// Starts the product the way a user does in web mode — the manager with three real nodes,
// serving the built dashboard — and hands the test its URL (token included).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, waitFor } from '../../cluster/harness';
import { managerNodeCommand } from '../../support/node-program';

const run = promisify(execFile);

/** What the dashboard bundle is built from: its sources and the shared types it imports. */
const RENDERER_INPUTS = ['renderer', 'node-runtime/common'];

/** The newest modification time among the renderer's inputs (node_modules and builds aside). */
async function newestInput(): Promise<number> {
  let newest = 0;
  for (const dir of RENDERER_INPUTS) {
    for (const entry of await readdir(path.join(repoRoot, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || /(^|\/)(node_modules|dist)\//.test(path.relative(repoRoot, entry.parentPath))) continue;
      newest = Math.max(newest, (await stat(path.join(entry.parentPath, entry.name))).mtimeMs);
    }
  }
  return newest;
}

/**
 * The dashboard must be built for the manager to serve it: a fresh clone has no dist/ yet, and a
 * build older than a source edit would test yesterday's dashboard (e2e files run one at a time).
 */
export async function ensureRendererBuilt(): Promise<void> {
  const built = await stat(path.join(repoRoot, 'dist/renderer/index.html')).catch(() => null);
  if (built !== null && built.mtimeMs >= (await newestInput())) return;
  await run(process.execPath, [path.join(repoRoot, 'scripts/build.js'), 'renderer'], { cwd: repoRoot, timeout: 180_000 });
}

export interface WebMode {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Authenticated call to the manager's control API. */
  api<T>(route: string, init?: RequestInit): Promise<T>;
  /** What a failed test needs to be understood: each node's process and the cluster's warnings and errors. */
  diagnose(): Promise<string>;
  stop(): Promise<void>;
}

export interface WebModeOptions {
  /** Fills the manager's data dir before it starts, as an earlier run would have left it. */
  readonly prepareDataDir?: (dataDir: string) => Promise<void>;
}

export async function startWebMode(options: WebModeOptions = {}): Promise<WebMode> {
  await ensureRendererBuilt();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dfs-e2e-'));
  await options.prepareDataDir?.(dataDir);
  // The nodes run the bundle this run's globalSetup built, as `npm start` runs the one it builds.
  const node = managerNodeCommand();
  const nodeProgram = node.execArgv.length === 0 ? ['--node-program', node.modulePath] : [];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'electron/manager/web.ts'), '--port', '0', '--no-seed-ports', '--data-dir', dataDir, ...nodeProgram], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = await waitFor('web mode to print the dashboard URL', () => /dashboard: (http:\/\/\S+)/.exec(output)?.[1], 60_000);
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token') ?? '';
  const api = async <T>(route: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(new URL(route, parsed.origin), { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    // 204 (a released lock, a deleted file) has no body to parse.
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  return {
    url,
    origin: parsed.origin,
    token,
    dataDir,
    process: child,
    api,
    async diagnose() {
      const cluster = await api<{ leaderId: number | null; health: string; nodes: { id: number; reachable: boolean; process: unknown }[] }>('/api/cluster').catch((err: Error) => err.message);
      const logs = await api<unknown>('/api/logs?level=warn&limit=80').catch((err: Error) => err.message);
      return `cluster: ${JSON.stringify(cluster)}\nwarnings and errors: ${JSON.stringify(logs, null, 1)}\nmanager output (tail): ${output.slice(-4000)}`;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
