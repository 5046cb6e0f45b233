// Issue #15, item 3: client routes had no authentication. With an API token (here from
// --api-token-file), every client route on every node needs "Authorization: Bearer <token>",
// forwarded writes included; the health probes stay open unless the openHealthRoutes setting
// says otherwise; the cluster secret still opens the membership routes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startWithLeader, type TestCluster, type TestNode } from './harness';
import { chunkCount } from '../api/stored';

const TOKEN = 'client-token-for-tests';
const auth = { authorization: `Bearer ${TOKEN}` };

let tokenDir: string;
let cluster: TestCluster;
let leader: TestNode;
let follower: TestNode;

beforeAll(async () => {
  tokenDir = await mkdtemp(path.join(os.tmpdir(), 'dfs-token-'));
  const tokenFile = path.join(tokenDir, 'api-token');
  await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  ({ cluster, leader, follower } = await startWithLeader({ extraArgs: () => ['--api-token-file', tokenFile], probeHeaders: auth }));
});
afterAll(async () => {
  await cluster?.stop();
  await rm(tokenDir, { recursive: true, force: true });
});

describe('client routes with an API token configured', () => {
  const routes: Array<[string, string, RequestInit]> = [
    ['GET', '/files', {}],
    ['GET', '/status', {}],
    ['POST', '/upload/a.txt', { body: 'x' }],
    ['PUT', '/files/a.txt', { body: 'x' }],
    ['PUT', '/config', { body: '{"logLevel":"debug"}' }],
    ['POST', '/locks/a.txt', { body: '{"owner":"me"}' }],
  ];
  it.each(routes)('%s %s without the token or with a wrong one → 401 on leader and follower', async (method, route, init) => {
    for (const node of [leader, follower]) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }] as Record<string, string>[]) {
        const res = await json<{ error: string }>(`${node.url}${route}`, { method, ...init, headers });
        expect(res.status, `${method} ${route} on node ${node.id} with ${JSON.stringify(headers)}`).toBe(401);
        expect(res.body.error).toBe('unauthorized');
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
  });

  it('a request marked as forwarded is checked by the leader too', async () => {
    const res = await json(`${leader.url}/upload/forged.txt`, { method: 'POST', body: 'x', headers: { 'x-dfs-forwarded-by': String(follower.id) } });
    expect(res.status).toBe(401);
  });

  it('stored nothing for the refused writes', async () => {
    expect((await json<{ items: unknown[] }>(`${leader.url}/files`, { headers: auth })).body.items).toEqual([]);
    for (const node of cluster.nodes) expect(await chunkCount(node)).toBe(0);
  });

  it('with the token: a write through a follower (forwarded with it) and a cluster setting forwarded to the leader', async () => {
    const upload = await json<{ name: string }>(`${follower.url}/upload/ok.txt`, { method: 'POST', body: 'hello', headers: auth });
    expect(upload.status).toBe(201);
    const download = await fetch(`${leader.url}/files/ok.txt`, { headers: auth });
    expect(await download.text()).toBe('hello');
    const setting = await json(`${follower.url}/config`, { method: 'PUT', body: JSON.stringify({ lockDefaultTtlMs: 45_000 }), headers: auth });
    expect(setting.status).toBe(200);
  });

  it('the cluster secret still opens the membership routes', async () => {
    const res = await json<{ error: string }>(`${leader.url}/cluster/members/99`, { method: 'DELETE', headers: { authorization: `Bearer ${cluster.secret}` } });
    expect(res.status).not.toBe(401);
  });
});

describe('health probes', () => {
  it('answer without the token by default, and need it once openHealthRoutes is off', async () => {
    for (const route of ['/livez', '/readyz', '/metrics']) expect((await fetch(`${follower.url}${route}`)).status, route).toBe(200);
    expect((await json(`${follower.url}/config`, { method: 'PUT', body: '{"openHealthRoutes":false}', headers: auth })).status).toBe(200);
    for (const route of ['/livez', '/readyz', '/metrics']) {
      expect((await fetch(`${follower.url}${route}`)).status, route).toBe(401);
      expect((await fetch(`${follower.url}${route}`, { headers: auth })).status, route).toBe(200);
    }
    expect((await fetch(`${leader.url}/livez`)).status).toBe(200);
    expect((await json(`${follower.url}/config`, { method: 'PUT', body: '{"openHealthRoutes":true}', headers: auth })).status).toBe(200);
  });
});
