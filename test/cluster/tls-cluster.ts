// A three-node cluster serving HTTPS with a client token, on certificates openssl made for the
// test (each node its own, one CA): the set-up of the TLS suites (node and manager).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fetchTrusting } from '../support/https-fetch';
import { makeTestCa, type TestCerts } from '../support/tls-certs';
import { freePort, startWithLeader, type TestCluster, type TestNode } from './harness';

export interface TlsCluster {
  readonly dir: string;
  readonly certs: TestCerts;
  readonly token: string;
  readonly cluster: TestCluster;
  readonly leader: TestNode;
  readonly follower: TestNode;
  /** Each node's S3 port by node index (empty without `s3`). */
  readonly s3Ports: readonly number[];
  stop(): Promise<void>;
}

export async function startTlsCluster(options: { token: string; s3?: boolean; extraArgs?: readonly string[] }): Promise<TlsCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-tls-'));
  const certs = await makeTestCa(dir);
  const nodeCerts = await Promise.all([1, 2, 3].map((id) => certs.node(`node${id}`)));
  const tokenFile = path.join(dir, 'api-token');
  await writeFile(tokenFile, `${options.token}\n`, { mode: 0o600 });
  const s3Ports: number[] = [];
  if (options.s3) for (let i = 0; i < 3; i++) s3Ports.push(await freePort());
  const { cluster, leader, follower } = await startWithLeader({
    extraArgs: (node) => {
      const own = nodeCerts[node.index];
      if (!own) throw new Error(`no certificate for node ${node.id}`);
      return [
        '--api-token-file', tokenFile, '--tls-cert', own.certFile, '--tls-key', own.keyFile, '--tls-ca', certs.caFile,
        ...(options.s3 ? ['--s3', `127.0.0.1:${s3Ports[node.index]}`] : []),
        ...(options.extraArgs ?? []),
      ];
    },
    ...(options.s3 && { env: { DFS_S3_ACCESS_KEY: 'tls-test-access', DFS_S3_SECRET_KEY: 'tls-test-secret-key' } }),
    probeHeaders: { authorization: `Bearer ${options.token}` },
    https: { fetch: fetchTrusting(certs.ca) },
  });
  return {
    dir, certs, token: options.token, cluster, leader, follower, s3Ports,
    stop: async () => {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
