// Three real nodes: a write through any node lands byte-identical on every node, in every form
// the seed README uses, and overwrites, deletes, ranges and ETags behave.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startWithLeader, type TestCluster, type TestNode, waitFor } from './harness';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let cluster: TestCluster;
let leader: TestNode;
let follower: TestNode;

beforeAll(async () => {
  ({ cluster, leader, follower } = await startWithLeader());
});
afterAll(async () => {
  await cluster?.stop();
});

/** Waits until every node has applied the file's current version, then downloads it from each. */
async function downloadEverywhere(name: string, version: number): Promise<Buffer[]> {
  await Promise.all(
    cluster.nodes.map((n) =>
      waitFor(`node ${n.id} to apply ${name}@${version}`, async () => {
        const { status, body } = await json<{ version: number }>(`${n.url}/fileinfo?name=${encodeURIComponent(name)}`);
        return status === 200 && body.version === version;
      }),
    ),
  );
  return Promise.all(cluster.nodes.map(async (n) => Buffer.from(await (await fetch(`${n.url}/download?name=${encodeURIComponent(name)}`)).arrayBuffer())));
}

describe('replication across three nodes', () => {
  it('elects exactly one leader that every node agrees on', async () => {
    const views = await Promise.all(cluster.nodes.map(async (n) => (await json<{ role: string; leaderId: number }>(`${n.url}/status`)).body));
    expect(views.filter((v) => v.role === 'leader')).toHaveLength(1);
    expect(new Set(views.map((v) => v.leaderId))).toEqual(new Set([leader.id]));
  });

  it('stores a raw upload sent to a follower byte-identically on every node, from local chunks', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const res = await json<{ sha256: string; size: number; version: number; chunks: { hash: string }[] }>(`${follower.url}/upload/big/blob.bin`, { method: 'POST', body: data });
    expect(res.status).toBe(201);
    expect(res.body.sha256).toBe(sha256(data));
    expect(res.body.size).toBe(data.length);
    const copies = await downloadEverywhere('big/blob.bin', res.body.version);
    for (const copy of copies) expect(sha256(copy)).toBe(sha256(data));
    // Every node holds every chunk itself (replicated by the leader, or fetched during catch-up).
    await waitFor('every chunk on every node', () =>
      cluster.nodes.every((n) => res.body.chunks.every((c) => existsSync(path.join(n.dataDir, 'chunks', c.hash.slice(0, 2), c.hash)))),
    );
  });

  it('accepts the seed multipart upload (field "file") and names the file after it', async () => {
    const form = new FormData();
    form.append('file', new Blob(['Test content for distributed file system\n']), 'test.txt');
    const res = await json<{ name: string; version: number }>(`${follower.url}/upload`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('test.txt');
    const copies = await downloadEverywhere('test.txt', res.body.version);
    for (const copy of copies) expect(copy.toString()).toBe('Test content for distributed file system\n');
  });

  it('replicates an overwrite and a delete', async () => {
    const first = await json<{ version: number }>(`${leader.url}/upload/notes.txt`, { method: 'POST', body: 'one' });
    const second = await json<{ version: number }>(`${follower.url}/upload/notes.txt`, { method: 'POST', body: 'two!' });
    expect(second.body.version).toBeGreaterThan(first.body.version);
    for (const copy of await downloadEverywhere('notes.txt', second.body.version)) expect(copy.toString()).toBe('two!');

    const del = await fetch(`${follower.url}/files/notes.txt`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    await Promise.all(
      cluster.nodes.map((n) => waitFor(`node ${n.id} to forget notes.txt`, async () => (await fetch(`${n.url}/fileinfo?name=notes.txt`)).status === 404)),
    );
    const gone = await json<{ error: string }>(`${leader.url}/download?name=notes.txt`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toBe('not_found');
  });

  it('serves byte ranges with 206 and honours ETag / If-None-Match', async () => {
    const data = Buffer.from('0123456789abcdefghij');
    const put = await json<{ version: number; sha256: string }>(`${leader.url}/upload/range.txt`, { method: 'POST', body: data });
    await downloadEverywhere('range.txt', put.body.version);

    const partial = await fetch(`${follower.url}/range.txt`, { headers: { Range: 'bytes=5-9' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 5-9/${data.length}`);
    expect(await partial.text()).toBe('56789');

    const suffix = await fetch(`${follower.url}/range.txt`, { headers: { Range: 'bytes=-3' } });
    expect(await suffix.text()).toBe('hij');

    const outside = await fetch(`${follower.url}/range.txt`, { headers: { Range: 'bytes=50-60' } });
    expect(outside.status).toBe(416);

    const full = await fetch(`${follower.url}/download?name=range.txt`);
    const etag = full.headers.get('etag');
    expect(etag).toBe(`"${put.body.sha256}"`);
    expect(full.headers.get('content-length')).toBe(String(data.length));
    await full.arrayBuffer();
    const cached = await fetch(`${follower.url}/download?name=range.txt`, { headers: { 'If-None-Match': etag ?? '' } });
    expect(cached.status).toBe(304);
  });

  it('answers ?redirect on a follower with 307 to the leader', async () => {
    const res = await fetch(`${follower.url}/upload/redirected.txt?redirect`, { method: 'POST', body: 'x', redirect: 'manual' });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe(`${leader.url}/upload/redirected.txt?redirect`);
  });

  it('lists files with pagination and a prefix filter', async () => {
    for (const name of ['dir/a', 'dir/b', 'dir/c']) {
      expect((await fetch(`${leader.url}/upload/${name}`, { method: 'POST', body: name })).status).toBe(201);
    }
    const page1 = await json<{ items: { name: string }[]; nextCursor: string | null }>(`${leader.url}/files?prefix=dir/&limit=2`);
    expect(page1.body.items.map((i) => i.name)).toEqual(['dir/a', 'dir/b']);
    const page2 = await json<{ items: { name: string }[]; nextCursor: string | null }>(`${leader.url}/files?prefix=dir/&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor ?? '')}`);
    expect(page2.body.items.map((i) => i.name)).toEqual(['dir/c']);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('lists one folder level with delimiter=/, deeper names rolled up into folders', async () => {
    for (const name of ['tree/top.txt', 'tree/sub/deep.txt', 'tree/sub/deeper/x.txt', 'tree/other/y.txt']) {
      expect((await fetch(`${leader.url}/upload/${name}`, { method: 'POST', body: name })).status).toBe(201);
    }
    const level = await json<{ items: { name: string }[]; folders?: string[] }>(`${follower.url}/files?prefix=tree/&delimiter=/&consistency=linearizable`);
    expect(level.body.items.map((i) => i.name)).toEqual(['tree/top.txt']);
    expect(level.body.folders).toEqual(['tree/other/', 'tree/sub/']);
    const sub = await json<{ items: { name: string }[]; folders?: string[] }>(`${leader.url}/files?prefix=tree/sub/&delimiter=/`);
    expect(sub.body.items.map((i) => i.name)).toEqual(['tree/sub/deep.txt']);
    expect(sub.body.folders).toEqual(['tree/sub/deeper/']);
  });

  it('maps which node holds which chunk in /fileinfo, and marks a node that does not answer', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const put = await json<{ version: number; chunks: unknown[] }>(`${leader.url}/upload/replica-map.bin`, { method: 'POST', body: data });
    expect(put.status).toBe(201);
    expect(put.body.chunks.length).toBeGreaterThan(1);
    type Info = { completeOn: number[]; replicas: { node: number; missing: number[] | null }[] };
    const info = () => json<Info>(`${leader.url}/fileinfo?name=replica-map.bin`).then((r) => r.body);
    const everywhere = await waitFor('every node to hold every chunk', async () => {
      const body = await info();
      return body.replicas.every((r) => r.missing?.length === 0) ? body : undefined;
    });
    expect(everywhere.replicas.map((r) => r.node)).toEqual(cluster.nodes.map((n) => n.id).sort((a, b) => a - b));
    expect(everywhere.completeOn).toEqual(everywhere.replicas.map((r) => r.node));

    const other = cluster.followers(leader).find((n) => n !== follower) as TestNode;
    await cluster.kill(other);
    try {
      const body = await info();
      expect(body.replicas.find((r) => r.node === other.id)?.missing).toBeNull();
      expect(body.completeOn).not.toContain(other.id);
    } finally {
      await cluster.restart(other);
    }
  });
});
