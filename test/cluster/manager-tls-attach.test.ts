// Issue #15: the manager attached to a cluster of real nodes that serve HTTPS and need a client
// token. The attach profile carries the nodes' https URLs, the CA certificate and the token; the
// manager then sees every node and the leader (its cluster view is what the dashboard shows),
// and the dashboard's passthrough uploads, lists and downloads through it. The token and the CA
// are never sent back to the dashboard.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReachableManager, waitFor, type ReachableManager } from '../fixtures/manager/helpers';
import { startTlsCluster, type TlsCluster } from './tls-cluster';

const TOKEN = 'manager-attach-token';
let tls: TlsCluster;
let reachable: ReachableManager;

beforeAll(async () => {
  [tls, reachable] = await Promise.all([startTlsCluster({ token: TOKEN }), startReachableManager()]);
}, 120_000);
afterAll(async () => {
  await reachable?.stop();
  await tls?.stop();
});

describe('an attach profile for a TLS cluster with a client token', () => {
  it('watches the nodes over HTTPS, passes files through, and keeps the token and CA to itself', async () => {
    const { base, auth, manager } = reachable;
    const json = { ...auth, 'content-type': 'application/json' };
    const nodes = tls.cluster.nodes.map((n) => ({ id: n.id, httpUrl: n.url }));
    const ca = await readFile(tls.certs.caFile, 'utf8');
    const save = (name: string, body: unknown) => fetch(`${base}/api/profiles/${name}`, { method: 'PUT', headers: json, body: JSON.stringify(body) });
    expect((await save('tls', { nodes, token: TOKEN, ca })).status).toBe(200);
    expect((await save('bad-ca', { nodes, ca: 'not a certificate' })).status).toBe(400);
    expect((await fetch(`${base}/api/profiles/tls/activate`, { method: 'POST', headers: auth })).status).toBe(200);

    await waitFor('the manager to reach every TLS node and name the leader', () => {
      const snapshot = manager.snapshot();
      return snapshot.nodes.length === 3 && snapshot.nodes.every((n) => n.reachable) && snapshot.leaderId === tls.leader.id;
    }, 30_000);

    const put = await fetch(`${base}/api/files/through-manager.txt`, { method: 'PUT', headers: auth, body: 'over https' });
    expect(put.status).toBe(201);
    const listed = (await (await fetch(`${base}/api/files`, { headers: auth })).json()) as { items: { name: string }[] };
    expect(listed.items.map((f) => f.name)).toContain('through-manager.txt');
    for (const node of tls.cluster.nodes) {
      await waitFor(`node ${node.id} to serve the file through the manager`, async () => {
        const res = await fetch(`${base}/api/files/through-manager.txt?node=${node.id}`, { headers: auth });
        return res.status === 200 && (await res.text()) === 'over https';
      });
    }

    const list = (await (await fetch(`${base}/api/profiles`, { headers: auth })).json()) as { profiles: { name: string; hasToken?: boolean; hasCa?: boolean }[] };
    expect(list.profiles.find((p) => p.name === 'tls')).toMatchObject({ hasToken: true, hasCa: true, hasSecret: false });
    const text = JSON.stringify(list);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('BEGIN CERTIFICATE');

    // A profile without the CA cannot verify the nodes: a request passed through to one fails on its certificate.
    expect((await save('tls-no-ca', { nodes, token: TOKEN })).status).toBe(200);
    expect((await fetch(`${base}/api/profiles/tls-no-ca/activate`, { method: 'POST', headers: auth })).status).toBe(200);
    const refused = await fetch(`${base}/api/files?node=${tls.leader.id}`, { headers: auth });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/certificate/);
  });
});
