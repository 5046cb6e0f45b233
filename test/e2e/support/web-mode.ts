// Starts the product the way a user does in web mode — the manager with three real nodes,
// serving the built dashboard — and hands the test its URL (token included).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, waitFor } from '../../cluster/harness';

const run = promisify(execFile);

/** The dashboard must be built for the manager to serve it; a fresh clone has no dist/ yet. */
export async function ensureRendererBuilt(): Promise<void> {
  if (existsSync(path.join(repoRoot, 'dist/renderer/index.html'))) return;
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
  stop(): Promise<void>;
}

export async function startWebMode(): Promise<WebMode> {
  await ensureRendererBuilt();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dfs-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'electron/manager/web.ts'), '--port', '0', '--no-seed-ports', '--data-dir', dataDir], {
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
    return (await res.json()) as T;
  };
  return {
    url,
    origin: parsed.origin,
    token,
    dataDir,
    process: child,
    api,
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
