// Issue #18: a backup taken during a write storm restores into a fresh cluster that serves a
// state that existed: every file's content is one that was really written to its name, hashes to
// its SHA-256 on every node, and files the storm never touched are all there. The archive is
// taken with `dfsctl backup save` through a follower, the old cluster is wiped, and every member
// of the new one is seeded by `dfs-node restore` from the same archive.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, repoRoot, startWithLeader, TestCluster, type TestNode } from './harness';
import { nodeProgram } from '../support/node-program';

const run = promisify(execFile);
const tsx = (entry: string) => [process.execPath, '--import', 'tsx', path.join(repoRoot, entry)] as const;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

interface Manifest {
  index: number;
  files: number;
  contents: number;
}

async function dfsctl(endpoint: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [program, ...prefix] = tsx('node-runtime/ctl/cli.ts');
  try {
    const { stdout, stderr } = await run(program, [...prefix, '--endpoints', endpoint, '-o', 'json', ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function restore(archive: string, node: TestNode, clusterFlag: string): Promise<void> {
  const [program, ...prefix] = nodeProgram();
  await run(program!, [...prefix, 'restore', '--from', archive, '--data-dir', node.dataDir, '--node', String(node.index), '--cluster', clusterFlag], { cwd: repoRoot });
}

async function listAll(node: TestNode): Promise<{ name: string; sha256: string; size: number }[]> {
  return (await json<{ items: { name: string; sha256: string; size: number }[] }>(`${node.url}/files?limit=1000`)).body.items;
}

let work: string;
let archive: string;
let manifest: Manifest;
/** Every content ever written to each name (SHA-256s), and the files the storm never touches. */
const written = new Map<string, Set<string>>();
const stable = new Map<string, string>();

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'dfs-backup-'));
  archive = path.join(work, 'cluster.dfsbak');
  const { cluster, leader, follower } = await startWithLeader();
  try {
    // Small chunks, so most files span several and restore must cut contents back into them.
    expect((await json(`${leader.url}/config`, { method: 'PUT', body: JSON.stringify({ chunkSize: 65_536 }) })).status).toBe(200);
    const put = async (name: string, body: Buffer) => {
      const res = await fetch(`${leader.url}/files/${name}`, { method: 'PUT', body: new Uint8Array(body) });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`PUT ${name}: ${res.status}`);
    };
    for (let i = 0; i < 10; i++) {
      const body = randomBytes(1 + ((i * 37_000) % 250_000));
      await put(`stable/${i}.bin`, body);
      stable.set(`stable/${i}.bin`, sha256(body));
    }
    await put('stable/copy-of-0.bin', await (await fetch(`${leader.url}/files/stable/0.bin`)).arrayBuffer().then((b) => Buffer.from(b)));
    stable.set('stable/copy-of-0.bin', stable.get('stable/0.bin')!);
    // The same content cut into other chunks once the chunk size changed: restore stores both cuts.
    expect((await json(`${leader.url}/config`, { method: 'PUT', body: JSON.stringify({ chunkSize: 131_072 }) })).status).toBe(200);
    const five = Buffer.from(await (await fetch(`${leader.url}/files/stable/5.bin`)).arrayBuffer());
    await put('stable/5-rechunked.bin', five);
    stable.set('stable/5-rechunked.bin', sha256(five));
    await put('stable/empty.txt', Buffer.alloc(0));
    stable.set('stable/empty.txt', sha256(Buffer.alloc(0)));

    let storming = true;
    const writer = async (w: number) => {
      for (let i = 0; storming; i++) {
        const name = `storm/${(w * 7 + i) % 12}.bin`;
        if (i % 9 === 8) {
          await fetch(`${leader.url}/files/${name}`, { method: 'DELETE' }).then((r) => r.arrayBuffer());
          continue;
        }
        const body = randomBytes(1 + Math.floor(Math.random() * 200_000));
        const set = written.get(name) ?? new Set<string>();
        set.add(sha256(body));
        written.set(name, set);
        await put(name, body).catch(() => undefined);
      }
    };
    const storm = Promise.all([0, 1, 2, 3].map(writer));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const saved = await dfsctl(follower.url, ['backup', 'save', archive]);
    const writesDuringBackup = [...written.values()].reduce((n, set) => n + set.size, 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    storming = false;
    await storm;
    // The storm ran on past the backup's point: the archive is a cut through it, not its end.
    expect([...written.values()].reduce((n, set) => n + set.size, 0)).toBeGreaterThan(writesDuringBackup);
    expect(saved.code, saved.stderr).toBe(0);
    manifest = JSON.parse(saved.stdout) as Manifest;
    expect((await json<{ commitIndex: number }>(`${leader.url}/status`)).body.commitIndex).toBeGreaterThan(manifest.index);
    const stats = (await json<{ lastBackup: string | null }>(`${follower.url}/stats`)).body;
    expect(stats.lastBackup).not.toBeNull();
    expect((await json<{ lastBackup: string | null }>(`${leader.url}/stats`)).body.lastBackup).toBeNull();
  } finally {
    await cluster.stop();
  }
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a backup taken during a write storm', () => {
  it('verifies, and a damaged or truncated copy does not (exit code 7), nor does it restore', async () => {
    expect((await dfsctl('127.0.0.1:1', ['backup', 'verify', archive])).code).toBe(0);
    const bytes = await readFile(archive);
    const damaged = Buffer.from(bytes);
    damaged[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(path.join(work, 'damaged.dfsbak'), damaged);
    await writeFile(path.join(work, 'truncated.dfsbak'), bytes.subarray(0, bytes.length - 100));
    for (const name of ['damaged.dfsbak', 'truncated.dfsbak']) {
      const verdict = await dfsctl('127.0.0.1:1', ['backup', 'verify', path.join(work, name)]);
      expect(verdict.code, name).toBe(7);
    }
    const refused = await restore(path.join(work, 'damaged.dfsbak'), { dataDir: path.join(work, 'refused'), index: 0 } as TestNode, '1,127.0.0.1:1').catch((err: { code: number; stderr: string }) => err);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toMatch(/^dfs-node restore: /);
  });

  it('restores into a fresh three-node cluster that serves a state that existed, on every node', async () => {
    const cluster = await TestCluster.start({ beforeFirstStart: (node, flag) => restore(archive, node, flag) });
    try {
      const leader = await cluster.waitForLeader();
      const files = await listAll(leader);
      expect(files.length).toBe(manifest.files);
      for (const [name, sha] of stable) expect(files.find((f) => f.name === name)?.sha256, name).toBe(sha);
      expect(files.filter((f) => f.name.startsWith('storm/')).length).toBeGreaterThan(0);
      for (const file of files.filter((f) => f.name.startsWith('storm/'))) expect(written.get(file.name)?.has(file.sha256), file.name).toBe(true);
      for (const node of cluster.nodes) {
        expect(await listAll(node)).toEqual(files);
        for (const file of files) {
          const body = Buffer.from(await (await fetch(`${node.url}/files/${file.name}`)).arrayBuffer());
          expect([body.length, sha256(body)], `${file.name} on node ${node.id}`).toEqual([file.size, file.sha256]);
        }
      }
      const status = await json<{ commitIndex: number; snapshotIndex: number }>(`${leader.url}/status`);
      expect(status.body.snapshotIndex).toBe(manifest.index);
      const after = await fetch(`${leader.url}/files/after-restore.txt`, { method: 'PUT', body: 'new cluster, new writes' });
      expect(after.status).toBe(201);
    } finally {
      await cluster.stop();
    }
  });
});
