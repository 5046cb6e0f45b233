import { afterEach, describe, expect, it } from 'vitest';
import { connectHost, formatAddress, listenHost } from '../../../node-runtime/transport/address';
import { isAuthorized } from '../../../node-runtime/transport/auth';
import { parseHttpUrl } from '../../../node-runtime/transport/protocol';
import { connectedAll, message, startCluster, type TestNode, waitFor } from './harness';

let nodes: TestNode[] = [];

afterEach(async () => {
  await Promise.all(nodes.map((n) => n.transport.close()));
  nodes = [];
});

describe('peer addresses', () => {
  it('reads an empty host as loopback to connect, and listens widely only behind a secret', () => {
    expect(connectHost({ host: '', port: 3030 })).toBe('127.0.0.1');
    expect(listenHost({ host: '', port: 3030 }, 's3cret')).toBeUndefined();
    expect(listenHost({ host: '', port: 3030 }, '')).toBe('127.0.0.1');
    expect(listenHost({ host: '0.0.0.0', port: 3030 }, '')).toBe('0.0.0.0');
    expect(formatAddress({ host: '::1', port: 3031 })).toBe('[::1]:3031');
  });

  it('keeps only clean http(s) URLs announced by peers', () => {
    expect(parseHttpUrl('http://10.0.0.5:8081')).toBe('http://10.0.0.5:8081');
    expect(parseHttpUrl('http://x:1\r\nSet-Cookie: a=b')).toBeNull();
    expect(parseHttpUrl('javascript:alert(1)')).toBeNull();
    expect(parseHttpUrl(['http://a', 'http://b'])).toBeNull();
  });
});

describe('cluster secret', () => {
  it('accepts exactly "Bearer <secret>"', () => {
    expect(isAuthorized({ authorization: 'Bearer abc' }, 'abc')).toBe(true);
    expect(isAuthorized({ authorization: 'Bearer abcd' }, 'abc')).toBe(false);
    expect(isAuthorized({ authorization: 'abc' }, 'abc')).toBe(false);
    expect(isAuthorized({}, 'abc')).toBe(false);
  });

  it('is not checked when the cluster runs without a secret (manual dev cluster)', async () => {
    nodes = await startCluster([1, 2], { secret: '' });
    await waitFor('streams without a secret', () => connectedAll(nodes));
    nodes[0]?.transport.send([message(1, 2)]);
    await waitFor('a message', () => nodes[1]?.received.length === 1);
    const res = await fetch(`http://127.0.0.1:${nodes[1]?.port ?? 0}/peer/rpc/none`, { method: 'POST', headers: { 'x-dfs-from': '1' } });
    expect(res.status).toBe(404);
  });
});
