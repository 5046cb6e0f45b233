// put, get, ls, rm, info: the file commands. Uploads stream from disk and downloads stream to
// disk; a download is hashed on the way and kept only if its SHA-256 is the one the node names.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileInfo, FileList, FileListItem } from '../../common/api-types';
import { namePath, type Ctl } from '../context';
import { CtlError, EXIT } from '../exit-codes';
import { apiError, readText } from '../http-client';
import { progressBar, type Progress } from '../progress';

/** Counts bytes through a stream into a progress bar (and, when asked, a hash). */
function metered(progress: Progress, total: number | null, hash?: ReturnType<typeof createHash>): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      hash?.update(chunk);
      progress.update(done, total);
      callback(null, chunk);
    },
  });
}

export async function put(ctl: Ctl, local: string, name: string | undefined): Promise<void> {
  const target = name ?? path.basename(local);
  const size = (await stat(local).catch(() => {
    throw new CtlError(EXIT.usage, `cannot read ${local}`);
  })).size;
  const progress = progressBar(`put ${target}`, 'bytes');
  const info = await ctl.client.json<FileInfo>({
    method: 'PUT',
    path: `/files/${namePath(target)}`,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: () => createReadStream(local).pipe(metered(progress, size)),
  });
  progress.finish();
  ctl.out.record({ name: info.name, size: info.size, sha256: info.sha256, version: info.version, revision: info.revision });
}

export async function get(ctl: Ctl, name: string, local: string | undefined): Promise<void> {
  const spec = { path: `/files/${namePath(name)}` };
  const answer = await ctl.client.request(spec);
  if (answer.status !== 200) throw apiError(spec, answer, await readText(answer.body));
  const expected = String(answer.headers.etag ?? '').replace(/^(W\/)?"|"$/g, '');
  const total = answer.headers['content-length'] ? Number(answer.headers['content-length']) : null;
  const toStdout = local === '-';
  const destination = toStdout ? null : (local ?? path.basename(name));
  const partial = destination ? `${destination}.dfsctl-partial` : null;
  const hash = createHash('sha256');
  const progress = progressBar(`get ${name}`, 'bytes');
  const sink: Writable = partial ? createWriteStream(partial) : process.stdout;
  try {
    await pipeline(answer.body as Readable, metered(progress, total, hash), sink, { end: !toStdout });
  } catch (err) {
    if (partial) await rm(partial, { force: true });
    throw new CtlError(EXIT.failed, `get ${name}: the transfer broke off (${(err as Error).message})`);
  }
  progress.finish();
  const actual = hash.digest('hex');
  if (/^[0-9a-f]{64}$/.test(expected) && actual !== expected) {
    if (partial) await rm(partial, { force: true });
    throw new CtlError(EXIT.integrity, `get ${name}: received content hashes to ${actual}, the node names ${expected}; nothing kept`);
  }
  if (partial && destination) await rename(partial, destination);
  if (!toStdout) ctl.out.record({ name, saved: destination, sha256: actual });
}

export async function ls(ctl: Ctl, prefix: string | undefined): Promise<void> {
  const items: FileListItem[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(prefix ? { prefix } : {}), ...(cursor ? { cursor } : {}) });
    const page: FileList = await ctl.client.json<FileList>({ path: `/files?${query}` });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  ctl.out.table({ items }, items, [
    { title: 'name', value: (f) => f.name },
    { title: 'size', value: (f) => f.size },
    { title: 'version', value: (f) => f.version },
    { title: 'modified', value: (f) => f.modifiedAt },
    { title: 'sha256', value: (f) => f.sha256.slice(0, 16) },
  ]);
}

export async function remove(ctl: Ctl, name: string): Promise<void> {
  await ctl.client.json({ method: 'DELETE', path: `/files/${namePath(name)}` });
  ctl.out.record({ deleted: name });
}

export async function info(ctl: Ctl, name: string): Promise<void> {
  const file = await ctl.client.json<FileInfo>({ path: `/fileinfo?${new URLSearchParams({ name })}` });
  if (ctl.out.format === 'json') return ctl.out.json(file);
  const { chunks, replicas, ...rest } = file;
  ctl.out.record({ ...rest, chunks: chunks.length, replicas: replicas?.map((r) => `${r.node}:${r.missing === null ? '?' : r.missing.length === 0 ? 'all' : `-${r.missing.length}`}`).join(' ') });
}
