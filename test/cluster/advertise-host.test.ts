// A node that listens on every interface must announce an address other machines can dial: the
// URL it announces is where followers forward writes (and S3 requests) to. "0.0.0.0" is none, and
// 127.0.0.1 only works on one machine. Real node processes; 127.0.0.2 stands in for another
// machine's address (all of 127/8 is loopback, so the test's traffic never leaves this host).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, waitFor } from './harness';
import { nodeProgram } from '../support/node-program';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-advertise-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Announced {
  httpUrl: string;
  s3Url: string;
}

/** Starts one node with `extra` flags, reads the URLs it logs as it starts listening, and stops it. */
async function announced(name: string, extra: string[], ports: { http: number; s3: number; peer: number }): Promise<Announced> {
  const [program, ...prefix] = nodeProgram();
  const args = [...prefix, '--node', '0', '--http', `0.0.0.0:${ports.http}`, '--s3', `0.0.0.0:${ports.s3}`, '--insecure', '--cluster', `1,127.0.0.2:${ports.peer}`, '--data-dir', path.join(dir, name), ...extra];
  const child = spawn(program!, args, {
    cwd: repoRoot,
    env: { ...process.env, DFS_CLUSTER_SECRET: 'advertise-test-secret', DFS_S3_ACCESS_KEY: 'testkey', DFS_S3_SECRET_KEY: 'testsecret123' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  try {
    return await waitFor(`node ${name} to announce its URLs`, () => {
      if (child.exitCode !== null) throw new Error(`the node exited (${child.exitCode}): ${stderr}`);
      const events = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      const s3 = events.find((e) => e.event === 's3Listening');
      const listening = events.find((e) => e.event === 'listening');
      return s3 && listening ? { httpUrl: String(listening.httpUrl), s3Url: String(s3.s3Url) } : undefined;
    }, 30_000);
  } finally {
    child.kill('SIGKILL');
  }
}

describe('a node listening on every interface', () => {
  it('announces the host of its own --cluster entry for its API and its S3 endpoint', async () => {
    const ports = { http: await freePort(), s3: await freePort(), peer: await freePort() };
    await expect(announced('derived', [], ports)).resolves.toEqual({ httpUrl: `http://127.0.0.2:${ports.http}`, s3Url: `http://127.0.0.2:${ports.s3}` });
  }, 40_000);

  it('announces --advertise-host when one is given', async () => {
    const ports = { http: await freePort(), s3: await freePort(), peer: await freePort() };
    await expect(announced('explicit', ['--advertise-host', 'dfs-1.example.internal'], ports)).resolves.toEqual({
      httpUrl: `http://dfs-1.example.internal:${ports.http}`,
      s3Url: `http://dfs-1.example.internal:${ports.s3}`,
    });
  }, 40_000);
});
