import { describe, expect, it } from 'vitest';
import { parseCluster, parseHostPort, parseNodeOptions, UsageError } from '../../../node-runtime/node/cli-options';

describe('dfs-node command line', () => {
  it('accepts the seed README flags verbatim', () => {
    const options = parseNodeOptions(['--node', '1', '--http', ':8082', '--cluster', '1,:3030;2,:3031;3,:3032'], {});
    expect(options.id).toBe(2);
    expect(options.http).toEqual({ host: '', port: 8082 });
    expect(options.cluster.map((m) => [m.id, m.peer.port])).toEqual([[1, 3030], [2, 3031], [3, 3032]]);
    expect(options.dataDir).toBe('./data/node-2');
  });

  it('takes PORT, STORAGE_PATH and LOG_LEVEL from the environment, flags winning', () => {
    const env = { PORT: '9000', STORAGE_PATH: '/tmp/x', LOG_LEVEL: 'DEBUG' };
    expect(parseNodeOptions([], env)).toMatchObject({ http: { port: 9000 }, dataDir: '/tmp/x', envLogLevel: 'DEBUG' });
    expect(parseNodeOptions(['--http', '127.0.0.1:9100', '--log-level', 'ERROR'], env)).toMatchObject({
      http: { host: '127.0.0.1', port: 9100 },
      logLevel: 'ERROR',
    });
  });

  it('lets a config file choose the HTTP port only when neither --http nor PORT did', () => {
    expect(parseNodeOptions([], {}).httpDefaulted).toBe(true);
    expect(parseNodeOptions(['--http', ':9000'], {}).httpDefaulted).toBe(false);
    expect(parseNodeOptions([], { PORT: '9000' }).httpDefaulted).toBe(false);
  });

  it('parses host:port forms', () => {
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseHostPort('localhost:3030')).toEqual({ host: 'localhost', port: 3030 });
    expect(parseHostPort('8081')).toEqual({ host: '', port: 8081 });
    expect(() => parseHostPort('x:99999')).toThrow();
  });

  it('refuses a malformed cluster list', () => {
    expect(() => parseCluster('1,:3030;1,:3031')).toThrow(/unique/);
    expect(() => parseCluster('0,:3030')).toThrow(/positive/);
    expect(() => parseCluster(':3030')).toThrow();
  });

  it('refuses a non-loopback --http without --insecure, with one line that says why', () => {
    for (const host of ['0.0.0.0', '10.0.0.5', '::', 'example.com']) {
      expect(() => parseNodeOptions(['--http', `${host.includes(':') ? `[${host}]` : host}:8081`], {})).toThrow(/would serve the API to the network.*--insecure/);
      expect(parseNodeOptions(['--http', `${host.includes(':') ? `[${host}]` : host}:8081`, '--insecure'], {}).insecure).toBe(true);
    }
    expect(() => parseNodeOptions([], { PORT: '0.0.0.0:9000' })).toThrow(UsageError);
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) {
      expect(parseNodeOptions(['--http', `${host}:8081`], {}).insecure).toBe(false);
    }
    expect(parseNodeOptions(['--http', ':8081'], {}).http.host).toBe('');
  });

  it('serves a network address without --insecure once a client token, a cluster secret and TLS guard it', () => {
    const tls = ['--tls-cert', 'n.crt', '--tls-key', 'n.key', '--tls-ca', 'ca.crt'];
    const guarded = { DFS_API_TOKEN: 't', DFS_CLUSTER_SECRET: 's' };
    const options = parseNodeOptions(['--http', '0.0.0.0:8081', '--s3', '0.0.0.0:9000', ...tls], guarded);
    expect(options.insecure).toBe(false);
    expect(options.tlsFiles).toEqual({ cert: 'n.crt', key: 'n.key', ca: 'ca.crt' });
    expect(parseNodeOptions(['--http', '10.0.0.5:8081', '--api-token-file', 'tok', ...tls], { DFS_CLUSTER_SECRET: 's' }).http.host).toBe('10.0.0.5');
    // Each guard missing alone is named in the refusal.
    expect(() => parseNodeOptions(['--http', '0.0.0.0:8081', ...tls], { DFS_CLUSTER_SECRET: 's' })).toThrow(/missing: a client token \(--api-token-file or DFS_API_TOKEN\)\./);
    expect(() => parseNodeOptions(['--http', '0.0.0.0:8081', ...tls], { DFS_API_TOKEN: 't' })).toThrow(/missing: a cluster secret \(DFS_CLUSTER_SECRET\)\./);
    expect(() => parseNodeOptions(['--http', '0.0.0.0:8081'], guarded)).toThrow(/missing: TLS \(--tls-cert, --tls-key, --tls-ca\)\./);
    expect(() => parseNodeOptions(['--s3', '0.0.0.0:9000'], guarded)).toThrow(/^--s3 0\.0\.0\.0:9000 would serve the API to the network.*missing: TLS/);
  });

  it('takes the TLS flags all together or not at all', () => {
    expect(parseNodeOptions([], {}).tlsFiles).toBeUndefined();
    expect(() => parseNodeOptions(['--tls-cert', 'n.crt', '--tls-key', 'n.key'], {})).toThrow(/all three of --tls-cert, --tls-key and --tls-ca/);
    expect(() => parseNodeOptions(['--tls-ca', 'ca.crt'], {})).toThrow(UsageError);
  });

  it('takes --s3 like --http: loopback by default, a network address only with --insecure', () => {
    expect(parseNodeOptions(['--s3', ':9000'], {}).s3).toEqual({ host: '', port: 9000 });
    expect(parseNodeOptions([], {}).s3).toBeUndefined();
    expect(() => parseNodeOptions(['--s3', '0.0.0.0:9000'], {})).toThrow(/--s3 0\.0\.0\.0:9000 would serve the API to the network.*--insecure/);
    expect(parseNodeOptions(['--s3', '0.0.0.0:9000', '--insecure'], {}).s3).toEqual({ host: '0.0.0.0', port: 9000 });
  });

  it('refuses a --node outside the cluster list', () => {
    expect(() => parseNodeOptions(['--node', '3', '--cluster', '1,:3030'], {})).toThrow(UsageError);
  });
});
