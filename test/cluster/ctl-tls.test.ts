// dfsctl against nodes that speak TLS and want a client token (issue #18 with #15): --cacert
// trusts the cluster's CA (host:port endpoints then mean https), --token opens the client routes.
// Without the CA the connection is refused (exit 1); without the token the node says 401 (exit 6).
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './harness';
import { startTlsCluster, type TlsCluster } from './tls-cluster';

const run = promisify(execFile);
const token = 'ctl-tls-token-0123456789';
let tls: TlsCluster;

async function dfsctl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'node-runtime/ctl/cli.ts'), ...args], { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  tls = await startTlsCluster({ token });
});
afterAll(() => tls?.stop());

describe('dfsctl over TLS', () => {
  it('with --cacert and --token: status and a verified round trip through host:port endpoints', async () => {
    const endpoint = `127.0.0.1:${tls.follower.httpPort}`;
    const common = ['--endpoints', endpoint, '--cacert', tls.certs.caFile, '--token', token, '-o', 'json'];
    const status = await dfsctl([...common, 'status']);
    expect(status.code, status.stderr).toBe(0);
    const members = (JSON.parse(status.stdout) as { members: { url: string; health: string }[] }).members;
    expect(members.map((m) => [m.url.startsWith('https://'), m.health])).toEqual([[true, 'healthy'], [true, 'healthy'], [true, 'healthy']]);
    const content = randomBytes(50_000);
    const local = path.join(tls.dir, 'tls-upload.bin');
    await writeFile(local, content);
    expect((await dfsctl([...common, 'put', local, 'tls/upload.bin'])).code).toBe(0);
    const saved = path.join(tls.dir, 'tls-download.bin');
    expect((await dfsctl([...common, 'get', 'tls/upload.bin', saved])).code).toBe(0);
    expect(createHash('sha256').update(await readFile(saved)).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('without the CA the connection is refused, without the token the node answers 401', async () => {
    const endpoint = `https://127.0.0.1:${tls.follower.httpPort}`;
    const untrusted = await dfsctl(['--endpoints', endpoint, '--token', token, 'ls']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/certificate/i);
    const anonymous = await dfsctl(['--endpoints', endpoint, '--cacert', tls.certs.caFile, 'ls']);
    expect(anonymous.code).toBe(6);
    expect(anonymous.stderr).toContain('401');
  });
});
