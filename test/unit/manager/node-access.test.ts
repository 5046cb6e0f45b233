// NodeAccess, on real sockets: a cluster's client token and secret go to that cluster's own nodes
// only (same scheme, host and port), never to another server a URL names; HTTPS is verified
// against the profile's CA (openssl-made), and refused without it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeAccess } from '../../../electron/manager/clusters/node-access';
import { makeTestCa, type TestCerts } from '../../support/tls-certs';

let dir: string;
let certs: TestCerts;
const servers: Server[] = [];
const seen = new Map<string, IncomingHttpHeaders>();

/** A server that records the headers of each request under its own name and answers 200 "ok". */
async function recorder(name: string, tls?: { cert: Buffer; key: Buffer }): Promise<string> {
  const handler = (req: { headers: IncomingHttpHeaders }, res: { end(text: string): void }): void => {
    seen.set(name, req.headers);
    res.end('ok');
  };
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-node-access-'));
  certs = await makeTestCa(dir);
});
afterAll(async () => {
  for (const server of servers) server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('NodeAccess', () => {
  it('sends the token only to the cluster\'s own nodes, and the secret only to them too', async () => {
    const own = await recorder('own');
    const stranger = await recorder('stranger');
    const access = new NodeAccess({ ca: null, token: 'client-token', secret: () => 'cluster-secret', ownNodes: () => [{ httpUrl: own }] });
    expect(await (await access.fetch(`${own}/status`)).text()).toBe('ok');
    expect(seen.get('own')?.authorization).toBe('Bearer client-token');
    expect(await (await access.fetch(`${stranger}/status`)).text()).toBe('ok');
    expect(seen.get('stranger')?.authorization).toBeUndefined();
    expect(access.secretHeaders(new URL(`${own}/cluster/members`))).toEqual({ authorization: 'Bearer cluster-secret' });
    expect(access.secretHeaders(new URL(`${stranger}/cluster/members`))).toBeNull();
    // Another port or scheme of the same host is another origin.
    expect(access.isOwnNode(new URL(own.replace('http:', 'https:')))).toBe(false);
    access.close();
  });

  it('verifies HTTPS against the profile\'s CA, and refuses a node the CA did not sign', async () => {
    const node = await certs.node('node1');
    const url = await recorder('tls', { cert: await readFile(node.certFile), key: await readFile(node.keyFile) });
    const access = new NodeAccess({ ca: certs.ca.toString(), token: 't', secret: () => null, ownNodes: () => [{ httpUrl: url }] });
    expect((await access.fetch(`${url}/livez`)).status).toBe(200);
    expect(seen.get('tls')?.authorization).toBe('Bearer t');
    await expect(NodeAccess.none.fetch(`${url}/livez`)).rejects.toThrow(/certificate/);
    const other = await makeTestCa(await mkdtemp(path.join(dir, 'other-')), 'other-ca');
    const wrongCa = new NodeAccess({ ca: other.ca.toString(), token: null, secret: () => null, ownNodes: () => [] });
    await expect(wrongCa.fetch(`${url}/livez`)).rejects.toThrow(/certificate/);
    access.close();
    wrongCa.close();
  });
});
