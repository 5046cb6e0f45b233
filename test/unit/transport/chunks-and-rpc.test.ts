import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PeerLacksChunkError, PeerBlockedError, PeerConnectionError, PeerRequestError, PeerTimeoutError, PeerUnknownError, RpcAnswerError,
} from '../../../node-runtime/transport';
import { sha256, startCluster, type TestNode } from './harness';

let nodes: TestNode[] = [];

afterEach(async () => {
  await Promise.all(nodes.map((n) => n.transport.close()));
  nodes = [];
});

/** A source that yields `data` in 64 KiB pieces, as a file stream would. */
function source(data: Buffer): () => Readable {
  return () => Readable.from((function* pieces() {
    for (let i = 0; i < data.length; i += 65_536) yield data.subarray(i, i + 65_536);
  })());
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts);
}

describe('chunk transfer', () => {
  it('pushes and fetches a multi-MiB chunk, streaming both ways', async () => {
    nodes = await startCluster([1, 2]);
    const [a, b] = nodes as [TestNode, TestNode];
    const data = randomBytes(6 * 1024 * 1024 + 123);
    const hash = sha256(data);
    await a.transport.pushChunk(2, hash, data.length, source(data));
    expect(b.chunks.get(hash)?.equals(data)).toBe(true);
    const fetched = await readAll(await a.transport.fetchChunk(2, hash));
    expect(fetched.equals(data)).toBe(true);
  });

  it('refuses a chunk whose bytes do not match its name with 422', async () => {
    nodes = await startCluster([1, 2]);
    const [a, b] = nodes as [TestNode, TestNode];
    const data = randomBytes(100_000);
    const wrongHash = sha256(Buffer.from('something else'));
    const failure = await a.transport.pushChunk(2, wrongHash, data.length, source(data)).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(PeerRequestError);
    expect(failure).toMatchObject({ status: 422, code: 'chunk_mismatch', peerId: 2 });
    expect(b.chunks.size).toBe(0);
    // The connection pool recovers: the next push on the same pair works.
    await a.transport.pushChunk(2, sha256(data), data.length, source(data));
    expect(b.chunks.size).toBe(1);
  });

  it('answers 404 for a chunk the peer does not hold', async () => {
    nodes = await startCluster([1, 2]);
    const missing = sha256(Buffer.from('missing'));
    await expect(nodes[0]?.transport.fetchChunk(2, missing)).rejects.toBeInstanceOf(PeerLacksChunkError);
  });

  it('reuses keep-alive connections for repeated transfers', async () => {
    nodes = await startCluster([1, 2]);
    const [a] = nodes as [TestNode, TestNode];
    const sockets = new Set<unknown>();
    const agent = (a.transport as unknown as { client: { agent: { on(e: string, f: (s: unknown) => void): void } } }).client.agent;
    agent.on('free', (socket) => sockets.add(socket));
    for (let i = 0; i < 10; i++) {
      const data = randomBytes(10_000);
      await a.transport.pushChunk(2, sha256(data), data.length, source(data));
    }
    expect(sockets.size).toBe(1);
  });

  it('rejects unknown peers, bad hashes, and a dead peer with typed errors', async () => {
    nodes = await startCluster([1, 2]);
    const [a, b] = nodes as [TestNode, TestNode];
    await expect(a.transport.fetchChunk(9, sha256(Buffer.from('x')))).rejects.toBeInstanceOf(PeerUnknownError);
    await expect(a.transport.fetchChunk(2, 'not-a-hash')).rejects.toBeInstanceOf(TypeError);
    await b.transport.close();
    await expect(a.transport.fetchChunk(2, sha256(Buffer.from('x')))).rejects.toBeInstanceOf(PeerConnectionError);
  });

  it('honours AbortSignal and the inactivity timeout', async () => {
    const never = new Promise<null>(() => undefined);
    nodes = await startCluster([1, 2], { openChunk: () => never });
    const [a, b] = nodes as [TestNode, TestNode];
    b.transport.onRpc('hang', () => never);
    const hash = sha256(Buffer.from('slow'));

    const controller = new AbortController();
    const aborted = a.transport.fetchChunk(2, hash, { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    await expect(a.transport.fetchChunk(2, hash, { timeoutMs: 50 })).rejects.toBeInstanceOf(PeerTimeoutError);
    await expect(a.transport.rpc(2, 'hang', {}, { timeoutMs: 50 })).rejects.toBeInstanceOf(PeerTimeoutError);
    await expect(a.transport.rpc(2, 'hang', {}, { signal: AbortSignal.abort(new Error('already gone')) })).rejects.toThrow('already gone');
  });
});

describe('chunk transfer cut short', () => {
  it('errors the fetched stream when the caller aborts mid-body', async () => {
    // The serving side sends one piece and then stalls, like a disk that stopped answering.
    nodes = await startCluster([1, 2], {
      openChunk: async () => {
        const stalled = new Readable({ read: () => undefined });
        stalled.push(Buffer.alloc(65_536));
        return stalled;
      },
    });
    const controller = new AbortController();
    const stream = await nodes[0]?.transport.fetchChunk(2, sha256(Buffer.from('x')), { signal: controller.signal });
    if (!stream) throw new Error('no stream');
    const reading = readAll(stream);
    controller.abort(new Error('read repair cancelled'));
    await expect(reading).rejects.toThrow();
  });
});

describe('peer RPC', () => {
  it('calls a registered handler with the body and the caller’s id', async () => {
    nodes = await startCluster([1, 2]);
    const [a, b] = nodes as [TestNode, TestNode];
    b.transport.onRpc('hasChunks', (body, from) => {
      const { hashes } = body as { hashes: string[] };
      return { from, held: hashes.filter((h) => b.chunks.has(h)) };
    });
    const held = sha256(Buffer.from('held'));
    b.chunks.set(held, Buffer.from('held'));
    await expect(a.transport.rpc(2, 'hasChunks', { hashes: [held, sha256(Buffer.from('no'))] })).resolves.toEqual({ from: 1, held: [held] });
  });

  it('answers unknown RPCs with 404 and handler failures with 500, as typed errors', async () => {
    nodes = await startCluster([1, 2]);
    const [a, b] = nodes as [TestNode, TestNode];
    b.transport.onRpc('boom', () => {
      throw new Error('disk on fire');
    });
    await expect(a.transport.rpc(2, 'nope', {})).rejects.toMatchObject({ status: 404, code: 'unknown_rpc' });
    await expect(a.transport.rpc(2, 'boom', {})).rejects.toMatchObject({ status: 500, code: 'rpc_failed' });
  });
});

describe('typed peer RPCs (transport/protocol.ts)', () => {
  it('hand the handler a request that passed its schema and the caller a parsed answer', async () => {
    nodes = await startCluster([1, 2]);
    const [a, b] = nodes as [TestNode, TestNode];
    const held = sha256(Buffer.from('held'));
    b.chunks.set(held, Buffer.from('held'));
    b.transport.answer('holds-chunks', ({ hashes }) => hashes.every((h) => b.chunks.has(h)));
    b.transport.answer('raft-info', () => ({ commit: 7 }));
    await expect(a.transport.call(2, 'holds-chunks', { hashes: [held] })).resolves.toBe(true);
    await expect(a.transport.call(2, 'holds-chunks', { hashes: [held, sha256(Buffer.from('no'))] })).resolves.toBe(false);
    await expect(a.transport.call(2, 'raft-info', {})).resolves.toEqual({ commit: 7 });
  });

  it('refuse a request of the wrong shape before the handler: the RPC\'s refusal, or 400', async () => {
    nodes = await startCluster([1, 2]);
    const [a, b] = nodes as [TestNode, TestNode];
    const seen: unknown[] = [];
    b.transport.answer('holds-chunks', (request) => {
      seen.push(request);
      return true;
    });
    b.transport.answer('raft-info', (request) => {
      seen.push(request);
      return { commit: 1 };
    });
    await expect(a.transport.rpc(2, 'holds-chunks', { hashes: ['not-a-chunk-name'] })).resolves.toBe(false);
    await expect(a.transport.rpc(2, 'raft-info', 'not an object')).rejects.toMatchObject({ status: 400, code: 'bad_request' });
    expect(seen).toEqual([]);
  });

  it('refuse an answer of the wrong shape with RpcAnswerError', async () => {
    nodes = await startCluster([1, 2]);
    const [a, b] = nodes as [TestNode, TestNode];
    b.transport.onRpc('raft-info', () => ({ commit: 'soon' }));
    await expect(a.transport.call(2, 'raft-info', {})).rejects.toBeInstanceOf(RpcAnswerError);
  });
});

describe('authentication and fault injection on the peer port', () => {
  it('answers 401 and closes the connection on a wrong or missing secret', async () => {
    nodes = await startCluster([1, 2]);
    const port = nodes[1]?.port ?? 0;
    const hash = sha256(Buffer.from('x'));
    for (const authorization of ['Bearer wrong', undefined]) {
      const res = await fetch(`http://127.0.0.1:${port}/peer/chunks/${hash}`, {
        headers: { 'x-dfs-from': '1', ...(authorization && { authorization }) },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('connection')).toBe('close');
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
    const ok = await fetch(`http://127.0.0.1:${port}/peer/chunks/${hash}`, {
      headers: { 'x-dfs-from': '1', authorization: 'Bearer test-secret' },
    });
    expect(ok.status).toBe(404);
  });

  it('refuses chunk and RPC traffic to and from blocked peers', async () => {
    nodes = await startCluster([1, 2]);
    const [a, b] = nodes as [TestNode, TestNode];
    b.transport.onRpc('ping', () => 'pong');
    a.transport.onRpc('ping', () => 'pong');
    const data = randomBytes(1000);
    a.transport.setBlockedPeers([2]);
    await expect(a.transport.rpc(2, 'ping', null)).rejects.toMatchObject({ name: 'PeerBlockedError', peerId: 2 });
    await expect(a.transport.pushChunk(2, sha256(data), data.length, source(data))).rejects.toBeInstanceOf(PeerBlockedError);
    // The other side is refused by the blocking node itself.
    await expect(b.transport.rpc(1, 'ping', null)).rejects.toBeInstanceOf(PeerBlockedError);
    a.transport.setBlockedPeers([]);
    await expect(a.transport.rpc(2, 'ping', null)).resolves.toBe('pong');
    await expect(b.transport.rpc(1, 'ping', null)).resolves.toBe('pong');
  });
});
