// Bad input gets a clear 4xx JSON error `{ error, detail }` and writes nothing; operational
// routes (/livez, /readyz, /metrics, /leader/vote) answer as documented.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startWithLeader, type TestCluster, type TestNode, waitFor } from '../cluster/harness';

let cluster: TestCluster;
let leader: TestNode;
let follower: TestNode;

beforeAll(async () => {
  ({ cluster, leader, follower } = await startWithLeader());
});
afterAll(async () => {
  await cluster?.stop();
});

async function chunkCount(node: TestNode): Promise<number> {
  const root = path.join(node.dataDir, 'chunks');
  let count = 0;
  for (const dir of await readdir(root).catch(() => [] as string[])) {
    count += (await readdir(path.join(root, dir)).catch(() => [] as string[])).filter((f) => /^[0-9a-f]{64}$/.test(f)).length;
  }
  return count;
}

const badRequests: Array<[string, string, RequestInit, number, string]> = [
  ['a name escaping with ..', '/upload/a/..%2F..%2Fetc%2Fpasswd', { method: 'POST', body: 'x' }, 400, 'name_invalid'],
  ['a name with a control character', '/upload/bad%01name', { method: 'POST', body: 'x' }, 400, 'name_invalid'],
  ['a name with a backslash', '/upload/a%5Cb', { method: 'POST', body: 'x' }, 400, 'name_invalid'],
  ['a name that is too long', `/upload/${'x'.repeat(300)}`, { method: 'POST', body: 'x' }, 400, 'name_invalid'],
  ['a multipart body without a file field', '/upload', { method: 'POST', body: (() => { const f = new FormData(); f.append('other', 'v'); return f; })() }, 400, 'bad_request'],
  ['a body that is not multipart on /upload', '/upload', { method: 'POST', body: 'plain', headers: { 'content-type': 'text/plain' } }, 400, 'bad_request'],
  ['a download without a name', '/download', {}, 400, 'bad_request'],
  ['a download of a missing file', '/download?name=missing.txt', {}, 404, 'not_found'],
  ['fileinfo of a missing file', '/fileinfo?name=missing.txt', {}, 404, 'not_found'],
  ['a page size out of range', '/files?limit=0', {}, 400, 'bad_request'],
  ['an unknown listing delimiter', '/files?delimiter=%7C', {}, 400, 'bad_request'],
  ['an empty name search', '/files?contains=', {}, 400, 'bad_request'],
  ['a name search longer than a name part', `/files?contains=${'x'.repeat(257)}`, {}, 400, 'bad_request'],
  ['a name search across a "/"', '/files?contains=a%2Fb', {}, 400, 'bad_request'],
  ['a name search with a control character', '/files?contains=a%00b', {}, 400, 'bad_request'],
  ['a name search with a delimiter', '/files?contains=a&delimiter=%2F', {}, 400, 'bad_request'],
  ['an unknown consistency level', '/files?consistency=eventual', {}, 400, 'bad_request'],
  ['malformed JSON config', '/config', { method: 'PUT', body: '{"logLevel":', headers: { 'content-type': 'application/json' } }, 400, 'bad_request'],
  ['an unknown config key', '/config', { method: 'PUT', body: '{"nope": 1}' }, 400, 'config_invalid'],
  ['a lock release without a token', '/locks/some.txt', { method: 'DELETE' }, 400, 'bad_request'],
  ['a delete of a missing file', '/files/missing.txt', { method: 'DELETE' }, 404, 'not_found'],
  ['an unknown route with another method', '/nowhere', { method: 'PATCH' }, 405, 'method_not_allowed'],
];

describe('bad input', () => {
  it.each(badRequests)('%s → %i %s, on leader and follower', async (_what, route, init, status, code) => {
    for (const node of [leader, follower]) {
      const res = await json<{ error: string; detail: string }>(`${node.url}${route}`, init);
      expect(res.status, `node ${node.id}`).toBe(status);
      expect(res.body.error).toBe(code);
      expect(res.body.detail.length).toBeGreaterThan(0);
      expect(JSON.stringify(res.body)).not.toMatch(/at \w+ \(|node_modules/);
    }
  });

  it('writes nothing for any rejected request', async () => {
    const files = await json<{ items: unknown[] }>(`${leader.url}/files`);
    expect(files.body.items).toEqual([]);
    for (const node of cluster.nodes) expect(await chunkCount(node)).toBe(0);
  });
});

describe('routes that need the cluster secret', () => {
  const member = JSON.stringify({ id: 9, peerAddress: '127.0.0.1:1', httpUrl: null });

  it.each([
    ['no secret', {}],
    ['a wrong secret', { authorization: 'Bearer not-the-secret' }],
  ])('refuses membership changes with %s (401), on leader and follower, and changes nothing', async (_what, headers: Record<string, string>) => {
    for (const node of [leader, follower]) {
      const add = await json<{ error: string }>(`${node.url}/cluster/members`, { method: 'POST', body: member, headers });
      expect(add.status).toBe(401);
      expect(add.body.error).toBe('unauthorized');
      const remove = await json<{ error: string }>(`${node.url}/cluster/members/3`, { method: 'DELETE', headers });
      expect(remove.status).toBe(401);
    }
    const status = await json<{ peers: { id: number }[] }>(`${leader.url}/status`);
    expect(status.body.peers.map((p) => p.id).sort()).toEqual(cluster.followers(leader).map((n) => n.id).sort());
  });

  it('has no fault endpoint without --fault-injection', async () => {
    const res = await fetch(`${leader.url}/internal/fault`, { method: 'PUT', body: '{"blockedPeers":[]}', headers: { authorization: `Bearer ${cluster.secret}` } });
    expect(res.status).toBe(405);
  });
});

describe('operational routes', () => {
  it('/livez and /readyz', async () => {
    expect((await fetch(`${follower.url}/livez`)).status).toBe(200);
    const ready = await json<{ ready: boolean; leaderId: number }>(`${follower.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ready: true, leaderId: leader.id });
  });

  it('/metrics speaks the Prometheus text format', async () => {
    const res = await fetch(`${leader.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^dfs_raft_is_leader 1$/m);
    expect(text).toMatch(/^# TYPE dfs_http_request_duration_seconds histogram$/m);
  });

  it('POST /leader/vote hands leadership to the asking node', async () => {
    const res = await json<{ isLeader: boolean; leaderId: number }>(`${follower.url}/leader/vote`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ isLeader: true, leaderId: follower.id });
    const newLeader = await cluster.waitForLeader();
    expect(newLeader.id).toBe(follower.id);
    leader = newLeader;
  });

  it('a linearizable read on a follower sees a write acknowledged just before', async () => {
    const other = cluster.followers(leader)[0] as TestNode;
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${leader.url}/upload/lin.txt`, { method: 'POST', body: `v${i}` })).status).toBe(201);
      const res = await fetch(`${other.url}/download?name=lin.txt&consistency=linearizable`);
      expect(await res.text()).toBe(`v${i}`);
    }
    await waitFor('cleanup', async () => (await fetch(`${leader.url}/files/lin.txt`, { method: 'DELETE' })).ok);
  });
});
