// Issue #15, TLS: a three-node cluster started with --tls-cert/--tls-key/--tls-ca (certificates
// made by openssl, signed by a throwaway CA) and a client token elects a leader over mutual-TLS
// peer streams, takes a write at a follower (forwarded to the leader over HTTPS), replicates it
// and serves it from every node over HTTPS to `curl --cacert`. Plain HTTP on the API and the peer
// port gets a clear 400, the peer port lets in only a client showing a certificate of the CA, and
// a node dials only a peer showing one (an impostor on a member's address gets no request).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, type TestCerts } from '../support/tls-certs';
import { chunkCount } from '../api/stored';
import { waitFor, type TestCluster, type TestNode } from './harness';
import { startTlsCluster, type TlsCluster } from './tls-cluster';

const run = promisify(execFile);
const TOKEN = 'tls-test-client-token';

let tls: TlsCluster;
let dir: string;
let certs: TestCerts;
let cluster: TestCluster;
let leader: TestNode;
let follower: TestNode;
let s3Ports: readonly number[];

/** curl as a user would run it: `--cacert` the cluster's CA, the token in Authorization. Resolves with the status and body. */
async function curl(args: readonly string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '30', '--cacert', certs.caFile, '-H', `Authorization: Bearer ${TOKEN}`, '-w', '\n%{http_code}', ...args], { maxBuffer: 64 * 1024 * 1024 });
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

beforeAll(async () => {
  tls = await startTlsCluster({ token: TOKEN, s3: true });
  ({ dir, certs, cluster, leader, follower, s3Ports } = tls);
}, 90_000);

afterAll(async () => {
  await tls?.stop();
});

describe('a TLS cluster with a client token', () => {
  it('elects a leader over mutual-TLS peer streams and names it by an https URL', async () => {
    const answer = await curl([`${follower.url}/leader`]);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ leaderId: leader.id, leaderUrl: leader.url });
    expect(leader.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('takes a write at a follower (forwarded to the leader over HTTPS), replicates it, and every node serves it over HTTPS', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 17);
    const file = path.join(dir, 'upload.bin');
    await writeFile(file, content);
    const put = await curl(['-T', file, `${follower.url}/files/over-tls.bin`]);
    expect(put.status, put.body).toBe(201);
    for (const node of cluster.nodes) {
      const out = path.join(dir, `download-${node.id}.bin`);
      await waitFor(`node ${node.id} to serve over-tls.bin`, async () => (await curl(['-o', out, `${node.url}/files/over-tls.bin`])).status === 200, 20_000);
      expect((await readFile(out)).equals(content), `node ${node.id}'s copy`).toBe(true);
      expect(await chunkCount(node)).toBeGreaterThan(0);
    }
  });

  it('still needs the client token over HTTPS', async () => {
    const { stdout } = await run('curl', ['-sS', '--cacert', certs.caFile, '-w', '\n%{http_code}', `${leader.url}/files`]);
    expect(stdout.endsWith('\n401')).toBe(true);
  });

  it('is not trusted without the cluster CA (curl refuses the certificate)', async () => {
    const failed = await run('curl', ['-sS', `${leader.url}/livez`]).then(() => null, (err: { code?: number }) => err.code);
    expect(failed).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
  });

  it('serves S3 over HTTPS too: an unsigned request gets its S3 error document', async () => {
    const { stdout } = await run('curl', ['-sS', '--cacert', certs.caFile, '-w', '\n%{http_code}', `https://127.0.0.1:${s3Ports[leader.index]}/`]);
    expect(stdout).toMatch(/<Error><Code>AccessDenied<\/Code>[\s\S]*\n403$/);
  });

  it('answers plain HTTP on the API, peer and S3 ports with 400 tls_required', async () => {
    for (const port of [leader.httpPort, leader.peerPort, s3Ports[leader.index]]) {
      const res = await fetch(`http://127.0.0.1:${port}/files`, { signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; detail: string };
      expect(body.error).toBe('tls_required');
      expect(body.detail).toMatch(/https/);
    }
  });

  it('lets a client onto the peer port only with a certificate the cluster CA signed, secret or not', async () => {
    const own = await pem(await certs.node('peer-client'));
    const stranger = await makeTestCa(await mkdtemp(path.join(dir, 'other-ca-')), 'other-ca');
    const intruder = await pem(await stranger.node('intruder'));
    /** The answer's status, or the connection error's code when the TLS handshake was refused. */
    const ask = async (client: { cert: Buffer; key: Buffer } | null): Promise<number | string> =>
      new Promise((resolve) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port: leader.peerPort,
            path: '/peer/no-such-route',
            ca: certs.ca,
            agent: false,
            headers: { authorization: `Bearer ${cluster.secret}`, 'x-dfs-from': String(follower.id) },
            ...client,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        req.end();
      });
    // Routed and answered (the path exists nowhere, so 404) only with a certificate of the cluster's CA.
    expect(await ask(own)).toBe(404);
    expect(typeof (await ask(null))).toBe('string');
    expect(typeof (await ask(intruder))).toBe('string');
  });
});

describe('a node that dials a peer', () => {
  // Issue #15: "peers verify each other against the CA". The peer port checks who dials in (above);
  // this is the other half: a process that took a node's peer port with a certificate of another CA
  // sees the leader's connections fail their handshake, and never a request (the cluster secret
  // travels in the first one).
  it('refuses an impostor on a member\'s peer address: its TLS handshake fails, no request (no secret) reaches it', async () => {
    const victim = cluster.followers(leader).find((n) => n.id !== follower.id) ?? follower;
    await cluster.kill(victim);
    const stranger = await makeTestCa(await mkdtemp(path.join(dir, 'impostor-ca-')), 'impostor-ca');
    let handshakesFailed = 0;
    const requests: string[] = [];
    const impostor = https.createServer(await pem(await stranger.node('impostor')), (req, res) => {
      requests.push(`${req.method} ${req.url} authorization=${req.headers.authorization ?? ''}`);
      res.end();
    });
    impostor.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
      requests.push(`upgrade ${req.url} authorization=${req.headers.authorization ?? ''}`);
      socket.destroy();
    });
    impostor.on('tlsClientError', () => (handshakesFailed += 1));
    await new Promise<void>((resolve) => impostor.listen(victim.peerPort, '127.0.0.1', resolve));
    try {
      await waitFor('the leader to dial the impostor twice, or send it a request', () => handshakesFailed >= 2 || requests.length > 0, 30_000);
      expect(requests).toEqual([]);
      expect(handshakesFailed).toBeGreaterThanOrEqual(2);
    } finally {
      const closed = new Promise<void>((resolve) => impostor.close(() => resolve()));
      impostor.closeAllConnections();
      await closed;
    }
    await cluster.restart(victim);
    await waitFor(`node ${victim.id} to serve over TLS again`, async () => (await curl([`${victim.url}/livez`])).status === 200, 30_000);
  });
});

async function pem(files: { certFile: string; keyFile: string }): Promise<{ cert: Buffer; key: Buffer }> {
  return { cert: await readFile(files.certFile), key: await readFile(files.keyFile) };
}
