// A node whose port is taken (another node still running, a typo in --cluster) stops at start with
// one line that names the port, not a stack trace.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, waitFor } from './harness';
import { nodeProgram } from '../support/node-program';

let dir: string;
let holder: net.Server;
let taken: number;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-port-in-use-'));
  taken = await freePort();
  holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(taken, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => holder?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(http: number, peer: number): Promise<{ code: number | null; stderr: string }> {
  const [program, ...prefix] = nodeProgram();
  const child = spawn(program!, [...prefix, '--node', '0', '--http', `127.0.0.1:${http}`, '--cluster', `1,127.0.0.1:${peer}`, '--data-dir', path.join(dir, `n-${http}-${peer}`)], {
    cwd: repoRoot,
    env: { ...process.env, DFS_CLUSTER_SECRET: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  try {
    const code = await waitFor('the node to exit', () => (child.exitCode === null ? undefined : { code: child.exitCode }), 30_000);
    return { code: code.code, stderr };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('a port already in use', () => {
  it('the peer port: one line naming it, and a failed exit', async () => {
    const { code, stderr } = await start(await freePort(), taken);
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(`the peer port 127.0.0.1:${taken} is already in use`)]);
  }, 40_000);

  it('the HTTP port: one line naming it, and a failed exit', async () => {
    const { code, stderr } = await start(taken, await freePort());
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(`the HTTP port 127.0.0.1:${taken} is already in use`)]);
  }, 40_000);
});
