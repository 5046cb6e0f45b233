// Issue #15's limits, each a setting with its own answer, on a real cluster: the maximum file
// size (413), concurrent uploads per node (429), and the whole-request timeout that stops a
// client trickling a byte at a time (408), and the request head size (431). The body idle timeout
// is in hostile-input.test.ts.
import net from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slowRequest } from './slow-client';
import { json, startWithLeader, waitFor, type TestCluster, type TestNode } from '../cluster/harness';

let cluster: TestCluster;
let leader: TestNode;
let follower: TestNode;

beforeAll(async () => {
  ({ cluster, leader, follower } = await startWithLeader());
});
afterAll(async () => {
  await cluster?.stop();
});

const putConfig = (node: TestNode, patch: object) => json<{ error?: string }>(`${node.url}/config`, { method: 'PUT', body: JSON.stringify(patch) });

describe('maxFileBytes', () => {
  beforeAll(async () => {
    expect((await putConfig(follower, { maxFileBytes: 1000 })).status).toBe(200);
    await Promise.all(cluster.nodes.map((n) => waitFor(`node ${n.id} to apply maxFileBytes`, async () => (await json<{ maxFileBytes: { value: number } }>(`${n.url}/config`)).body.maxFileBytes.value === 1000)));
  });

  it('refuses a larger file with 413 file_too_large naming the setting, declared or streamed, and stores nothing', async () => {
    const declared = await json<{ error: string; detail: string }>(`${follower.url}/upload/big.bin`, { method: 'POST', body: Buffer.alloc(2000) });
    expect(declared.status).toBe(413);
    expect(declared.body.error).toBe('file_too_large');
    expect(declared.body.detail).toMatch(/maxFileBytes/);
    const streamed = await json<{ error: string; detail: string }>(`${leader.url}/files/big.bin`, {
      method: 'PUT',
      body: Readable.toWeb(Readable.from([Buffer.alloc(600), Buffer.alloc(600)])) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(streamed.body.detail).toMatch(/maxFileBytes/);
    expect((await fetch(`${leader.url}/files/big.bin`)).status).toBe(404);
    expect((await fetch(`${follower.url}/upload/small.bin`, { method: 'POST', body: Buffer.alloc(1000) })).status).toBe(201);
  });
});

describe('maxConcurrentUploads', () => {
  it('answers 429 too_many_uploads past the bound, and takes uploads again once a slot is free', async () => {
    expect((await putConfig(leader, { maxConcurrentUploads: 1 })).status).toBe(200);
    // One upload that holds its slot: headers and a part of its body, then silence. A slot frees
    // when its answer has been flushed, which may be just after the client read it; a holder that
    // came too early is refused at once, and then another one takes its place.
    let holder: net.Socket | null = null;
    let holderAnswer = '';
    const openHolder = async (): Promise<void> => {
      holderAnswer = '';
      const socket = net.connect(leader.httpPort, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.setEncoding('utf8').on('data', (t: string) => (holderAnswer += t));
      socket.write('POST /upload/held.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nfirst');
      holder = socket;
    };
    await openHolder();
    const refused = await waitFor('a second upload to be refused', async () => {
      if (holderAnswer.startsWith('HTTP/1.1 429 ')) {
        holder?.destroy();
        await openHolder();
      }
      const res = await json<{ error: string; detail: string }>(`${leader.url}/upload/second.bin`, { method: 'POST', body: 'x' });
      return res.status === 429 && holderAnswer === '' ? res : undefined;
    });
    expect(refused.body.error).toBe('too_many_uploads');
    expect(refused.body.detail).toMatch(/maxConcurrentUploads/);
    expect(refused.headers.get('retry-after')).toBe('1');
    (holder as net.Socket | null)?.destroy();
    await waitFor('the slot to be free', async () => (await fetch(`${leader.url}/upload/third.bin`, { method: 'POST', body: 'x' })).status === 201);
    expect((await putConfig(leader, { maxConcurrentUploads: 64 })).status).toBe(200);
  });
});

describe('requestTimeoutMs', () => {
  it('cuts a body trickled a byte at a time (never idle long enough for the idle timeout) with 408 request_timeout', async () => {
    expect((await putConfig(follower, { requestTimeoutMs: 2000 })).status).toBe(200);
    const started = Date.now();
    const answer = await slowRequest(follower.httpPort, 'POST /upload/trickle.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n', { dripMs: 200 });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/"error":"request_timeout"/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await fetch(`${leader.url}/files/trickle.bin`)).status).toBe(404);
    for (const node of cluster.nodes) expect(node.process?.exitCode).toBeNull();
    expect((await putConfig(follower, { requestTimeoutMs: 300_000 })).status).toBe(200);
  });
});

describe('maxHeaderBytes', () => {
  /** One raw GET /status with an extra header of `padding` bytes, on a new connection; resolves with the whole answer. */
  const getWithHeader = (node: TestNode, padding: number) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(node.httpPort, '127.0.0.1', () => socket.write(`GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ${'a'.repeat(padding)}\r\n\r\n`));
      let text = '';
      socket.setEncoding('utf8').on('data', (t: string) => (text += t));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
    });

  it('answers a head over the setting 431 headers_too_large naming it, live for new connections', async () => {
    expect(await getWithHeader(follower, 3000)).toMatch(/^HTTP\/1\.1 200 /);
    expect((await putConfig(follower, { maxHeaderBytes: 2048 })).status).toBe(200);
    const refused = await getWithHeader(follower, 3000);
    expect(refused).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4)) as { error: string; detail: string };
    expect(body).toEqual({ error: 'headers_too_large', detail: 'the request headers are larger than this node accepts (2048 bytes, setting maxHeaderBytes)' });
    expect(await getWithHeader(follower, 1000)).toMatch(/^HTTP\/1\.1 200 /);
    // A node setting: the leader still takes the larger head.
    expect(await getWithHeader(leader, 3000)).toMatch(/^HTTP\/1\.1 200 /);
    expect((await putConfig(follower, { maxHeaderBytes: 16_384 })).status).toBe(200);
    expect(await getWithHeader(follower, 3000)).toMatch(/^HTTP\/1\.1 200 /);
    expect((await putConfig(follower, { maxHeaderBytes: 100 })).status).toBe(400);
  });
});
