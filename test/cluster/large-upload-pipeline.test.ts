// The large-file write path while things go wrong in the middle of it (issue #11): the leader
// pushes each chunk to the followers while the body is still arriving, so a follower killed
// mid-upload, or a client that goes away mid-body, must still end in a committed file that every
// node serves identically, or in nothing committed at all.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { json, TestCluster, waitFor, type TestNode } from './harness';

const MiB = 1024 * 1024;
const PIECE = 256 * 1024;

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** Deterministic bytes of piece `i`. */
function piece(seed: string, i: number): Buffer {
  const out = Buffer.alloc(PIECE);
  for (let at = 0; at < PIECE; at += 32) createHash('sha256').update(`${seed}:${i}:${at}`).digest().copy(out, at);
  return out;
}

/**
 * A body of `total` bytes that stops after `pauseAt` bytes until `resume` settles (so the test
 * acts at a known point of the upload); hashed as it is sent.
 */
function pausingBody(seed: string, total: number, pauseAt: number, resume: Promise<void>, hash: ReturnType<typeof createHash>): Readable {
  async function* pieces(): AsyncGenerator<Buffer> {
    for (let i = 0; i * PIECE < total; i++) {
      if (i * PIECE === pauseAt) await resume;
      const next = piece(seed, i);
      hash.update(next);
      yield next;
    }
  }
  return Readable.from(pieces(), { objectMode: false });
}

function put(url: string, body: Readable, size: number): { request: http.ClientRequest; answer: Promise<{ status: number; text: string }> } {
  const request = http.request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': size } });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
    });
    request.on('error', reject);
  });
  body.pipe(request);
  return { request, answer };
}

async function sha256Of(node: TestNode, name: string): Promise<{ status: number; sha256: string }> {
  const res = await fetch(`${node.url}/files/${name}`);
  const hash = createHash('sha256');
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) hash.update(part);
  return { status: res.status, sha256: hash.digest('hex') };
}

/** Temp files of chunk writes under a node's chunk store. */
async function tempChunkFiles(node: TestNode): Promise<string[]> {
  return (await readdir(path.join(node.dataDir, 'chunks'))).filter((n) => n.includes('.tmp-'));
}

/** Resolves once `node` has at least `chunks` chunk files (durable, renamed into place) on its disk. */
async function leaderHolds(node: TestNode, chunks: number): Promise<void> {
  await waitFor(`node ${node.id} to store ${chunks} chunks`, async () => {
    const dirs = (await readdir(path.join(node.dataDir, 'chunks'))).filter((n) => /^[0-9a-f]{2}$/.test(n));
    let count = 0;
    for (const dir of dirs) count += (await readdir(path.join(node.dataDir, 'chunks', dir))).length;
    return count >= chunks;
  }, 30_000);
}

describe('a large upload while a node fails', () => {
  it('answers 201 when a follower is killed mid-upload, and every node (the victim once back) serves identical bytes', { timeout: 180_000 }, async () => {
    cluster = await TestCluster.start();
    const leader = await cluster.waitForLeader();
    const [victim, survivor] = cluster.followers(leader) as [TestNode, TestNode];
    const total = 48 * MiB;
    let resume = (): void => undefined;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const hash = createHash('sha256');
    const { answer } = put(`${leader.url}/files/big/pipeline.bin`, pausingBody('pipeline', total, 20 * MiB, resumed, hash), total);

    // Several chunks of the first 20 MiB are on the leader's disk (and on their way to both followers).
    await leaderHolds(leader, 3);
    await cluster.kill(victim);
    resume();
    const got = await answer;
    expect(got.status, got.text).toBe(201);
    const expected = hash.digest('hex');
    expect((JSON.parse(got.text) as { sha256: string }).sha256).toBe(expected);
    // Reads are local: the survivor serves the file once it has applied the entry.
    await waitFor('the survivor to apply the upload', async () => (await json(`${survivor.url}/fileinfo?name=big/pipeline.bin`)).status === 200, 20_000);
    expect(await sha256Of(survivor, 'big/pipeline.bin')).toEqual({ status: 200, sha256: expected });

    cluster.spawn(victim);
    await cluster.waitLive(victim);
    await waitFor('the victim to apply the upload', async () => (await json(`${victim.url}/fileinfo?name=big/pipeline.bin`)).status === 200, 30_000);
    await waitFor('the victim to fetch the chunks it missed', async () => (await json<{ chunksMissing: number }>(`${victim.url}/recovery/status`)).body.chunksMissing === 0, 60_000);
    expect(await sha256Of(victim, 'big/pipeline.bin')).toEqual({ status: 200, sha256: expected });
    expect(await tempChunkFiles(leader)).toEqual([]);
  });

  it('commits nothing and leaves no temp file when the client goes away mid-body', { timeout: 120_000 }, async () => {
    cluster = await TestCluster.start();
    const leader = await cluster.waitForLeader();
    const total = 40 * MiB;
    const never = new Promise<void>(() => undefined);
    const { request, answer } = put(`${leader.url}/files/big/abandoned.bin`, pausingBody('abandoned', total, 16 * MiB, never, createHash('sha256')), total);
    answer.catch(() => undefined);

    await leaderHolds(leader, 3);
    request.destroy();
    for (const node of cluster.running()) {
      await waitFor(`node ${node.id} to have no chunk temp file`, async () => (await tempChunkFiles(node)).length === 0, 30_000);
      expect((await fetch(`${node.url}/files/big/abandoned.bin`)).status, `node ${node.id}`).toBe(404);
    }
    const listing = await json<{ items: { name: string }[] }>(`${leader.url}/files?prefix=big/`);
    expect(listing.body.items).toEqual([]);
  });
});
