// Issue #18, "Back up now": POST /api/backups streams a backup from the manager's real 3-node
// cluster into a folder, verified as dfsctl verifies it; the node's /stats lastBackup moves; bad
// folders are refused before any node is asked; a stream that does not verify leaves nothing.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo } from '../../node-runtime/common/api-types';
import type { SavedBackup } from '../../node-runtime/common/manager-api';
import { walkArchive } from '../../node-runtime/backup/walk-archive';
import { childProcessLauncher } from '../../electron/manager/supervision/child-process-launcher';
import { Manager } from '../../electron/manager/manager';
import { managerNodeCommand } from '../support/node-program';
import { makeTempDir, waitFor } from '../fixtures/manager/helpers';

let manager: Manager;
let base: string;
let auth: Record<string, string>;
let temp: { dir: string; remove: () => Promise<void> };
let clusterDir: string;
let backupsDir: string;

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  temp = await makeTempDir('dfs-manager-backup-');
  clusterDir = path.join(temp.dir, 'cluster');
  backupsDir = path.join(temp.dir, 'backups');
  await mkdir(backupsDir);
  manager = await Manager.start({ dataDir: clusterDir, launcher: childProcessLauncher, command: managerNodeCommand(), rendererDir: null, seedPorts: false });
  base = `http://127.0.0.1:${manager.port}`;
  auth = { authorization: `Bearer ${manager.token}` };
  await waitFor('a healthy cluster with a leader', () => manager.snapshot().health === 'healthy' && manager.snapshot().leaderId !== null, 90_000);
});

afterAll(async () => {
  await manager?.stop();
  await temp?.remove();
});

function backUp(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/api/backups`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

async function upload(name: string, data: Buffer | string): Promise<void> {
  const put = await fetch(`${base}/api/files/${encodeURIComponent(name)}`, { method: 'PUT', headers: auth, body: typeof data === 'string' ? data : new Uint8Array(data) });
  expect(put.status, await put.clone().text()).toBe(201);
}

/** Every copy of a chunk on the nodes' disks (`<node data>/chunks/<2 hex>/<hash>`). */
async function chunkCopies(hash: string): Promise<string[]> {
  const all = await readdir(clusterDir, { recursive: true });
  return all.filter((p) => p.endsWith(path.join('chunks', hash.slice(0, 2), hash))).map((p) => path.join(clusterDir, p));
}

describe('Back up now (POST /api/backups) over real dfs-node', () => {
  const big = randomBytes(3 * 1024 * 1024 + 11);
  const small = 'a small file, kept in its Raft entry';

  it('saves a verified archive of every file from the leader, and the leader reports it as its last backup', async () => {
    await upload('backup/big.bin', big);
    await upload('backup/small.txt', small);
    await upload('backup/small-copy.txt', small);
    const leader = manager.snapshot().leaderId;
    const res = await backUp({ folder: backupsDir });
    const saved = (await res.json()) as SavedBackup;
    expect(res.status, JSON.stringify(saved)).toBe(201);
    expect(path.dirname(saved.path)).toBe(backupsDir);
    expect(path.basename(saved.path)).toMatch(/^dfs-backup-\d{8}T\d{6}\.\d{3}Z\.dfsbak$/);
    expect(saved).toMatchObject({ files: 3, node: leader });
    expect((await stat(saved.path)).size).toBe(saved.bytes);
    expect(await readdir(backupsDir)).toEqual([path.basename(saved.path)]);

    // The same walk dfsctl runs; the contents are exactly the files' bytes, the shared one once.
    const contents: string[] = [];
    const manifest = await walkArchive(createReadStream(saved.path), { content: async (header, body) => {
      const hash = createHash('sha256');
      for await (const piece of body) hash.update(piece);
      contents.push(hash.digest('hex'));
      expect(header.sha256).toBe(contents.at(-1));
    } });
    expect(manifest).toMatchObject({ files: 3, index: saved.index, sourceNode: leader });
    expect(contents.sort()).toEqual([sha256(big), sha256(small)].sort());

    const lastBackup = await waitFor('the leader to report its last backup', () => {
      const at = manager.snapshot().nodes.find((n) => n.id === leader)?.report?.stats?.lastBackup;
      return at ?? undefined;
    });
    expect(Date.parse(lastBackup)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses a missing, relative or non-folder path with 400 and writes nothing', async () => {
    const file = path.join(temp.dir, 'not-a-folder.txt');
    await writeFile(file, 'x');
    const before = await readdir(backupsDir);
    for (const body of [{}, { folder: '' }, { folder: 'backups' }, { folder: path.join(temp.dir, 'missing') }, { folder: file }, { folder: backupsDir, extra: 1 }]) {
      const res = await backUp(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'bad_request', detail: expect.any(String) });
    }
    expect(await readdir(backupsDir)).toEqual(before);
    expect(await readdir(temp.dir)).not.toContain('missing');
  });

  it('refuses a request from another site, as every state-changing route does', async () => {
    const res = await backUp({ folder: backupsDir }, { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'forbidden' });
  });

  it('leaves nothing in the folder when the stream does not verify (a chunk damaged on every node)', async () => {
    const info = (await (await fetch(`${base}/api/fileinfo?name=${encodeURIComponent('backup/big.bin')}`, { headers: auth })).json()) as FileInfo;
    const hash = info.chunks[0]?.hash as string;
    const copies = await chunkCopies(hash);
    expect(copies).toHaveLength(3);
    for (const copy of copies) {
      const bytes = await readFile(copy);
      bytes[0] = (bytes[0] as number) ^ 0xff;
      await writeFile(copy, bytes);
    }
    const failed = await mkdtemp(path.join(temp.dir, 'failed-'));
    const res = await backUp({ folder: failed });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await res.json()).toMatchObject({ error: expect.any(String), detail: expect.stringMatching(/not saved/) });
    expect(await readdir(failed)).toEqual([]);
  });
});
