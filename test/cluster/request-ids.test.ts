// No double effects (issue #12): a write carries a request id (the client's Idempotency-Key, or
// one the forwarding node makes), the state machine answers a repeat with the first outcome, and
// a follower resends a forwarded write whose leader died with it, so its client gets 201.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster} from './harness';
import { json, startWithLeader, waitFor, type TestNode } from './harness';

interface Written {
  name?: string;
  version?: number;
  revision?: number;
  sha256?: string;
  error?: string;
  detail?: string;
}

function put(node: TestNode, name: string, body: string, headers: Record<string, string> = {}, query = '') {
  return json<Written>(`${node.url}/files/${name}${query}`, { method: 'PUT', body, headers });
}

describe('a write sent again under its Idempotency-Key', () => {
  let cluster: TestCluster;
  let leader: TestNode;
  let follower: TestNode;
  beforeAll(async () => {
    ({ cluster, leader, follower } = await startWithLeader());
  });
  afterAll(() => cluster?.stop());

  it('is answered with its first outcome, on any node: a conditional write succeeds once, never twice', async () => {
    const key = { 'idempotency-key': 'cas-write-1' };
    const first = await put(follower, 'cas.txt', 'one', key, '?expectedVersion=0');
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await put(leader, 'cas.txt', 'one', key, '?expectedVersion=0');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await json<Written>(`${leader.url}/fileinfo?name=cas.txt`)).body).toMatchObject({ version: 1, revision: first.body.revision });
    // The same write under a new id is a new write, and its precondition no longer holds.
    expect((await put(follower, 'cas.txt', 'one', { 'idempotency-key': 'cas-write-2' }, '?expectedVersion=0')).status).toBe(409);
    expect((await put(follower, 'cas.txt', 'one', {}, '?expectedVersion=0')).status).toBe(409);
  });

  it('refuses the id on a different write (422) and leaves the file as it was', async () => {
    const key = { 'idempotency-key': 'reused-id' };
    expect((await put(follower, 'reused.txt', 'first', key)).status).toBe(201);
    const other = await put(follower, 'reused.txt', 'second', key);
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('request_id_reused');
    expect(await (await fetch(`${leader.url}/files/reused.txt?consistency=linearizable`)).text()).toBe('first');
  });

  it('answers a repeated delete with the file it deleted, where a plain repeat is 404', async () => {
    expect((await put(leader, 'gone.txt', 'bye')).status).toBe(201);
    const key = { 'idempotency-key': 'delete-gone' };
    const first = await json<{ deleted: string; version: number }>(`${follower.url}/files/gone.txt`, { method: 'DELETE', headers: key });
    expect(first.status).toBe(200);
    const again = await json<{ deleted: string; version: number }>(`${leader.url}/files/gone.txt`, { method: 'DELETE', headers: key });
    expect(again).toMatchObject({ status: 200, body: first.body });
    expect((await fetch(`${leader.url}/files/gone.txt`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses a malformed key with 400 and stores nothing', async () => {
    for (const bad of ['has space', 'x'.repeat(129)]) {
      const res = await put(follower, 'bad-key.txt', 'x', { 'idempotency-key': bad });
      expect(res.status, bad).toBe(400);
      expect(res.body.error).toBe('bad_request');
    }
    expect((await fetch(`${leader.url}/fileinfo?name=bad-key.txt`)).status).toBe(404);
  });
});

describe('a forwarded write whose leader is killed while the body streams to it', () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  /** PUT through `node`, sending `head` now and `tail` once `beforeTail` is done. */
  function putInTwo(node: TestNode, name: string, head: Buffer, tail: Buffer, beforeTail: () => Promise<void>) {
    return new Promise<{ status: number; body: Written }>((resolve, reject) => {
      const req = http.request(`${node.url}/files/${name}`, { method: 'PUT', headers: { 'content-length': head.length + tail.length } }, (res) => {
        const pieces: Buffer[] = [];
        res.on('data', (p: Buffer) => pieces.push(p));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(pieces).toString()) as Written }));
      });
      req.on('error', reject);
      req.write(head);
      beforeTail().then(() => req.end(tail), reject);
    });
  }

  it('is sent again to the next leader: the client gets 201, the whole file, stored once', async () => {
    const started = await startWithLeader();
    cluster = started.cluster;
    const { leader, follower } = started;
    const head = randomBytes(256 * 1024);
    const tail = randomBytes(256 * 1024);
    const uploadsOn = async (node: TestNode) => Number(/^dfs_uploads_in_flight (\d+)$/m.exec(await (await fetch(`${node.url}/metrics`)).text())?.[1]);
    const res = await putInTwo(follower, 'mid-kill.bin', head, tail, async () => {
      await waitFor('the leader to be receiving the forwarded body', async () => (await uploadsOn(leader)) === 1);
      await cluster?.kill(leader);
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.sha256).toBe(createHash('sha256').update(head).update(tail).digest('hex'));
    expect(res.body.version).toBe(1);
    const survivor = cluster.followers(leader)[0] as TestNode;
    const read = await fetch(`${survivor.url}/files/mid-kill.bin?consistency=linearizable`);
    expect(Buffer.from(await read.arrayBuffer()).equals(Buffer.concat([head, tail]))).toBe(true);
  });
});
