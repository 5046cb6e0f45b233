// The supervisor with real processes (fake-node.mjs: same flags, handshake and logs as dfs-node):
// crashes from outside, crash loops, graceful and forced shutdown, no orphans even when the
// manager is SIGKILLed, and the same cluster after a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine, ProcessState } from '../../node-runtime/common/manager-api';
import type { Manager } from '../../electron/manager/manager';
import { isAlive, makeTempDir, startFakeManager, waitFor } from '../fixtures/manager/helpers';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeManager(overrides: Parameters<typeof startFakeManager>[1] = {}): Promise<{ manager: Manager; dir: string }> {
  const temp = await makeTempDir();
  cleanups.push(temp.remove);
  const manager = await startFakeManager(temp.dir, overrides);
  cleanups.push(() => manager.stop());
  return { manager, dir: temp.dir };
}

function allRunning(manager: Manager): boolean {
  return manager.snapshot().nodes.every((n) => n.process?.state === 'running');
}

function pidsOf(manager: Manager): number[] {
  return manager.snapshot().nodes.map((n) => n.process?.pid).filter((pid): pid is number => typeof pid === 'number');
}

/** The states the supervisor narrated for one node, in order. */
function transitions(lines: readonly LogLine[], nodeId: number): ProcessState[] {
  return lines.filter((l) => l.source === 'manager' && l.nodeId === nodeId).map((l) => l.fields.state as ProcessState);
}

interface ManagerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly token: string;
}

/** A manager in its own process (run-manager.ts), so a test can SIGKILL it. */
async function runManagerProcess(dataDir: string): Promise<ManagerProcess> {
  const runner = fileURLToPath(new URL('../fixtures/manager/run-manager.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', runner, dataDir, '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const { port, token } = await waitFor('the manager to print its port', () => (out.includes('\n') ? (JSON.parse(out.split('\n')[0] ?? '') as { port: number; token: string }) : undefined), 30_000);
  return { child, port, token };
}

/** The pids of nodes 1..3 once all three run. */
function runningPids({ port, token }: ManagerProcess): Promise<number[]> {
  return waitFor('three running nodes', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/cluster`, { headers: { authorization: `Bearer ${token}` } });
    const snapshot = (await res.json()) as { nodes: { process: { state: string; pid: number | null } }[] };
    const running = snapshot.nodes.filter((n) => n.process.state === 'running');
    return running.length === 3 ? running.map((n) => n.process.pid as number) : undefined;
  }, 30_000);
}

describe('supervisor with real processes', () => {
  it('restarts a node killed from outside with backoff, every transition visible', async () => {
    const { manager } = await fakeManager();
    const lines: LogLine[] = [];
    manager.bus.subscribe((e) => {
      if (e.name === 'log') lines.push(e.data);
    });
    await waitFor('all nodes running', () => allRunning(manager));
    const victim = manager.snapshot().nodes[1];
    const oldPid = victim?.process?.pid;
    expect(oldPid).toBeTypeOf('number');
    lines.length = 0;
    process.kill(oldPid as number, 'SIGKILL');

    const back = await waitFor('node 2 running again', () => {
      const node = manager.snapshot().nodes[1];
      return node?.process?.state === 'running' && node.process.pid !== oldPid ? node : undefined;
    });
    expect(back.process).toMatchObject({ restarts: 1, reason: 'ready: announced it is listening' });
    expect(isAlive(oldPid as number)).toBe(false);
    expect(transitions(lines, 2)).toEqual(['crashed', 'backoff', 'starting', 'running']);
    const backoff = lines.find((l) => l.nodeId === 2 && l.fields.state === 'backoff');
    expect(backoff?.msg).toBe('node 2 backoff: killed by SIGKILL; restarting in 100 ms');
    await waitFor('node 2 reachable again', () => manager.snapshot().nodes[1]?.reachable);
  });

  it('marks a node that keeps crashing at startup errored, then retries only when asked', async () => {
    const { manager } = await fakeManager({ nodeCount: 1, env: { ...process.env, FAKE_NODE_EXIT_CODE: '3' } });
    const node = await waitFor('node 1 errored', () => {
      const n = manager.snapshot().nodes[0];
      return n?.process?.state === 'errored' ? n : undefined;
    });
    expect(node.process).toMatchObject({ pid: null, restarts: 4 });
    expect(node.process?.reason).toBe('crashed 5 times within 60 s (last: exited with code 3); start it to try again');
    const stderr = manager.logs.query({ nodeId: 1 }).filter((l) => l.source === 'stderr');
    expect(stderr.map((l) => l.msg)).toEqual(Array(5).fill('fake-node: told to fail at startup'));

    const res = await fetch(`http://127.0.0.1:${manager.port}/api/nodes/1/start`, { method: 'POST', headers: { authorization: `Bearer ${manager.token}` } });
    expect(res.status).toBe(202);
    await waitFor('a second crash loop', () => manager.logs.query({ nodeId: 1 }).filter((l) => l.source === 'stderr').length === 10);
    await waitFor('node 1 errored again', () => manager.snapshot().nodes[0]?.process?.state === 'errored');
  });

  it('stops gracefully with SIGTERM, and SIGKILLs a node that ignores it after the bound', async () => {
    const { manager } = await fakeManager({ env: { ...process.env, FAKE_NODE_IGNORE_SIGTERM: '1' }, stopTimeoutMs: 300 });
    await waitFor('all nodes running', () => allRunning(manager));
    const pids = pidsOf(manager);
    await manager.stop();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    for (const node of manager.snapshot().nodes) {
      expect(node.process).toMatchObject({ state: 'stopped', pid: null, reason: 'manager shutting down (SIGKILL after 300 ms)' });
    }
  });

  it('leaves no node behind when the manager itself is SIGKILLed', async () => {
    const temp = await makeTempDir();
    cleanups.push(temp.remove);
    const first = await runManagerProcess(temp.dir);
    const pids = await runningPids(first);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);

    first.child.kill('SIGKILL');
    await waitFor('every node process gone', () => pids.every((pid) => !isAlive(pid)), 10_000);
  });

  it('kills a paused node the SIGKILLed manager left frozen when the next manager starts', async () => {
    const temp = await makeTempDir();
    cleanups.push(temp.remove);
    const first = await runManagerProcess(temp.dir);
    const pids = await runningPids(first);
    const pause = await fetch(`http://127.0.0.1:${first.port}/api/nodes/2/pause`, { method: 'POST', headers: { authorization: `Bearer ${first.token}` } });
    expect(pause.status).toBe(202);
    first.child.kill('SIGKILL');
    const [one, frozen, three] = pids as [number, number, number];
    await waitFor('the running nodes gone', () => !isAlive(one) && !isAlive(three), 10_000);
    // A stopped process cannot notice its parent is gone.
    expect(isAlive(frozen)).toBe(true);
    cleanups.push(async () => {
      if (isAlive(frozen)) process.kill(frozen, 'SIGKILL');
    });

    const second = await runManagerProcess(temp.dir);
    expect(isAlive(frozen)).toBe(false);
    const fresh = await runningPids(second);
    expect(fresh).not.toContain(frozen);
    second.child.kill('SIGTERM');
    await waitFor('the second manager stopped its nodes', () => fresh.every((pid) => !isAlive(pid)), 10_000);
  });

  it('brings back the same cluster after a restart, secret in a 0600 file and only in the environment', async () => {
    const temp = await makeTempDir();
    cleanups.push(temp.remove);
    const first = await startFakeManager(temp.dir);
    await waitFor('all nodes running', () => allRunning(first));
    const before = first.snapshot().nodes.map((n) => ({ id: n.id, httpUrl: n.httpUrl, peerAddress: n.peerAddress }));
    const secret = (await readFile(path.join(temp.dir, 'cluster.secret'), 'utf8')).trim();
    expect((await stat(path.join(temp.dir, 'cluster.secret'))).mode & 0o777).toBe(0o600);
    if (process.platform === 'linux') {
      const pid = first.snapshot().nodes[0]?.process?.pid as number;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('--cluster');
      expect(cmdline).not.toContain(secret);
      expect(await readFile(`/proc/${pid}/environ`, 'utf8')).toContain(`DFS_CLUSTER_SECRET=${secret}`);
    }
    expect(JSON.stringify(first.logs.query())).not.toContain(secret);
    await first.stop();

    const second = await startFakeManager(temp.dir, { nodeCount: 5 });
    cleanups.push(() => second.stop());
    await waitFor('all nodes running again', () => allRunning(second));
    expect(second.snapshot().nodes.map((n) => ({ id: n.id, httpUrl: n.httpUrl, peerAddress: n.peerAddress }))).toEqual(before);
    expect((await readFile(path.join(temp.dir, 'cluster.secret'), 'utf8')).trim()).toBe(secret);
    const marker = JSON.parse(await readFile(path.join(temp.dir, 'node-2', 'fake-node.json'), 'utf8')) as { pid: number };
    expect(marker.pid).toBe(second.snapshot().nodes[1]?.process?.pid);
  });
});
