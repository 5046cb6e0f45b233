// Issue #14, "download a multi-selection": POST /api/archives checks and resolves a selection of
// files and folders on the manager's real 3-node cluster; GET streams one zip whose entries
// Debian's unzip extracts byte for byte. Bad selections are 4xx JSON before any download starts;
// a file deleted, overwritten or damaged after the selection was resolved cuts the download off
// short of its Content-Length (never a complete-looking archive) and reports why on the event stream.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo } from '../../node-runtime/common/api-types';
import type { ArchiveTicket } from '../../node-runtime/common/manager-api';
import { Manager } from '../../electron/manager/manager';
import { childProcessLauncher } from '../../electron/manager/supervision/child-process-launcher';
import { managerNodeCommand } from '../support/node-program';
import { makeTempDir, SseReader, waitFor } from '../fixtures/manager/helpers';

const run = promisify(execFile);
let temp: { dir: string; remove: () => Promise<void> };
let cluster: { manager: Manager; base: string; auth: Record<string, string> };
let clusterDir: string;
let events: SseReader;
let work: string;

beforeAll(async () => {
  temp = await makeTempDir('dfs-manager-archive-');
  clusterDir = path.join(temp.dir, 'cluster');
  work = path.join(temp.dir, 'work');
  await mkdir(work);
  const manager = await Manager.start({ dataDir: clusterDir, launcher: childProcessLauncher, command: managerNodeCommand(), rendererDir: null, seedPorts: false });
  cluster = { manager, base: `http://127.0.0.1:${manager.port}`, auth: { authorization: `Bearer ${manager.token}` } };
  await waitFor('a healthy cluster with a leader', () => cluster.manager.snapshot().health === 'healthy' && cluster.manager.snapshot().leaderId !== null, 90_000);
  events = await SseReader.open(`${cluster.base}/api/events?logs=0`, cluster.auth);
});

afterAll(async () => {
  await events?.close();
  await cluster?.manager.stop();
  await temp?.remove();
});

const encodeName = (name: string) => name.split('/').map(encodeURIComponent).join('/');

async function upload(name: string, data: Buffer | string): Promise<void> {
  const put = await fetch(`${cluster.base}/api/files/${encodeName(name)}`, { method: 'PUT', headers: cluster.auth, body: typeof data === 'string' ? data : new Uint8Array(data) });
  expect(put.status, await put.clone().text()).toBe(201);
}

function ask(body: unknown): Promise<Response> {
  return fetch(`${cluster.base}/api/archives`, { method: 'POST', headers: { ...cluster.auth, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function ticketFor(body: unknown): Promise<ArchiveTicket> {
  const res = await ask(body);
  const ticket = (await res.json()) as ArchiveTicket;
  expect(res.status, JSON.stringify(ticket)).toBe(201);
  return ticket;
}

/** The bytes received before the stream ended or broke, and whether it broke. */
async function fetchArchive(ticket: ArchiveTicket): Promise<{ res: Response; bytes: Buffer; broke: boolean }> {
  const res = await fetch(`${cluster.base}${ticket.url}`, { headers: cluster.auth });
  const pieces: Uint8Array[] = [];
  let broke = false;
  try {
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) pieces.push(piece);
  } catch {
    broke = true;
  }
  return { res, bytes: Buffer.concat(pieces), broke };
}

/** Extracts `zip` with Debian's unzip into a fresh folder; returns every file's relative path and bytes. */
async function unzipAll(zip: Buffer, label: string): Promise<Map<string, Buffer>> {
  const file = path.join(work, `${label}.zip`);
  const out = path.join(work, label);
  await writeFile(file, zip);
  await run('unzip', ['-q', file, '-d', out]);
  const found = new Map<string, Buffer>();
  for (const entry of await readdir(out, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = path.join(entry.parentPath, entry.name);
      found.set(path.relative(out, full).split(path.sep).join('/'), await readFile(full));
    }
  }
  return found;
}

describe('zip of a selection (POST /api/archives, GET /api/archives/:id) over real dfs-node', () => {
  const big = randomBytes(5 * 1024 * 1024 + 17);
  const files: Record<string, Buffer> = {
    'sel/notes.txt': Buffer.from('plain notes\n'),
    'sel/big.bin': big,
    'sel/photos/é ü.txt': Buffer.from('a name with spaces and accents'),
    'sel/photos/2024/deep.txt': Buffer.from('two levels down'),
    'sel/left-out.txt': Buffer.from('not selected'),
    'elsewhere.txt': Buffer.from('outside the folder'),
  };

  it('streams the selected files and folders with their paths below the open folder, byte for byte', async () => {
    for (const [name, data] of Object.entries(files)) await upload(name, data);
    const ticket = await ticketFor({ base: 'sel/', names: ['sel/notes.txt', 'sel/big.bin', 'sel/photos/', 'sel/notes.txt'] });
    const wanted = ['sel/big.bin', 'sel/notes.txt', 'sel/photos/2024/deep.txt', 'sel/photos/é ü.txt'];
    expect(ticket).toMatchObject({ fileName: 'sel.zip', files: 4, totalBytes: wanted.reduce((sum, n) => sum + (files[n] as Buffer).length, 0) });
    expect(ticket.url).toBe(`/api/archives/${ticket.id}`);

    const { res, bytes, broke } = await fetchArchive(ticket);
    expect(res.status).toBe(200);
    expect(broke).toBe(false);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''sel.zip");
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);

    const extracted = await unzipAll(bytes, 'whole');
    expect([...extracted.keys()].sort()).toEqual(wanted.map((n) => n.slice('sel/'.length)).sort());
    for (const name of wanted) expect(extracted.get(name.slice('sel/'.length))?.equals(files[name] as Buffer), name).toBe(true);
    await events.next('archive', (e) => e.id === ticket.id && e.state === 'done');

    // A ticket is fetched once.
    const again = await fetch(`${cluster.base}${ticket.url}`, { headers: cluster.auth });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: 'not_found', detail: expect.stringContaining('download them again') });
  });

  it('names a single selected folder after itself, and keeps full paths from the top level', async () => {
    const ticket = await ticketFor({ names: ['sel/photos/', 'elsewhere.txt'] });
    expect(ticket).toMatchObject({ fileName: 'dfs-files.zip', files: 3 });
    const extracted = await unzipAll((await fetchArchive(ticket)).bytes, 'top');
    expect([...extracted.keys()].sort()).toEqual(['elsewhere.txt', 'sel/photos/2024/deep.txt', 'sel/photos/é ü.txt']);
    expect((await ticketFor({ base: 'sel/', names: ['sel/photos/'] })).fileName).toBe('photos.zip');
  });

  it('refuses bad selections with 4xx JSON before any download exists', async () => {
    const refused: [unknown, number, string][] = [
      [{}, 400, 'bad_request'],
      [{ names: [] }, 400, 'bad_request'],
      [{ names: 'sel/notes.txt' }, 400, 'bad_request'],
      [{ names: ['sel/notes.txt'], extra: 1 }, 400, 'bad_request'],
      ['{"names": [', 400, 'bad_request'],
      [{ names: ['../etc/passwd'] }, 400, 'name_invalid'],
      [{ names: ['sel//'] }, 400, 'name_invalid'],
      [{ names: ['a\u0000b'] }, 400, 'name_invalid'],
      [{ base: 'sel', names: ['sel/notes.txt'] }, 400, 'bad_request'],
      [{ base: 'sel/', names: ['elsewhere.txt'] }, 400, 'bad_request'],
      [{ base: 'sel/', names: ['sel/'] }, 400, 'bad_request'],
      [{ names: ['sel/never-was.txt'] }, 404, 'not_found'],
      [{ names: ['no-such-folder/'] }, 404, 'not_found'],
      [{ names: Array.from({ length: 10_001 }, (_, i) => `f${i}`) }, 400, 'bad_request'],
    ];
    const before = events.of('archive').length;
    for (const [body, status, error] of refused) {
      const res = await ask(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(await res.json()).toMatchObject({ error, detail: expect.any(String) });
    }
    const unknown = await fetch(`${cluster.base}/api/archives/not-a-ticket`, { headers: cluster.auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
    const wrongMethod = await fetch(`${cluster.base}/api/archives`, { headers: cluster.auth });
    expect(wrongMethod.status).toBe(405);
    expect(events.of('archive').length).toBe(before);
  });

  it('cuts the download off short of its length when a file is deleted after the selection was resolved', async () => {
    await upload('cut/a.bin', big);
    await upload('cut/b.txt', 'deleted before its turn');
    const ticket = await ticketFor({ names: ['cut/'] });
    const del = await fetch(`${cluster.base}/api/files/cut/b.txt`, { method: 'DELETE', headers: cluster.auth });
    expect(del.status).toBe(200);

    const { res, bytes, broke } = await fetchArchive(ticket);
    expect(res.status).toBe(200);
    expect(broke).toBe(true);
    // a.bin came first and whole; the archive still cannot pass for a complete one.
    expect(bytes.length).toBeGreaterThan(big.length);
    expect(bytes.length).toBeLessThan(Number(res.headers.get('content-length')));
    await writeFile(path.join(work, 'cut.zip'), bytes);
    await expect(run('unzip', ['-t', path.join(work, 'cut.zip')])).rejects.toThrow();
    const failed = await events.next('archive', (e) => e.id === ticket.id && e.state !== 'sending');
    expect(failed.data).toMatchObject({ state: 'failed', detail: '"cut/b.txt" was deleted while the zip was being sent' });
  });

  it('cuts it off when a file was overwritten, or when no node can serve a chunk that verifies', async () => {
    await upload('changed/a.txt', 'first content');
    const overwritten = await ticketFor({ names: ['changed/a.txt'] });
    await upload('changed/a.txt', 'second content, longer');
    expect((await fetchArchive(overwritten)).broke).toBe(true);
    expect((await events.next('archive', (e) => e.id === overwritten.id && e.state !== 'sending')).data.detail).toBe('"changed/a.txt" was overwritten while the zip was being sent');

    await upload('damaged/big.bin', big);
    const info = (await (await fetch(`${cluster.base}/api/fileinfo?name=damaged/big.bin`, { headers: cluster.auth })).json()) as FileInfo;
    const hash = info.chunks.at(-1)?.hash as string;
    const all = await readdir(clusterDir, { recursive: true });
    const copies = all.filter((p) => p.endsWith(path.join('chunks', hash.slice(0, 2), hash))).map((p) => path.join(clusterDir, p));
    expect(copies).toHaveLength(3);
    for (const copy of copies) {
      const data = await readFile(copy);
      data[0] = (data[0] as number) ^ 0xff;
      await writeFile(copy, data);
    }
    const damaged = await ticketFor({ names: ['damaged/big.bin'] });
    const { res, bytes, broke } = await fetchArchive(damaged);
    expect(broke).toBe(true);
    expect(bytes.length).toBeLessThan(Number(res.headers.get('content-length')));
    expect((await events.next('archive', (e) => e.id === damaged.id && e.state !== 'sending')).data.state).toBe('failed');
  });
});
