// The client half of chunk transfer and RPC: requests to peers over one keep-alive agent, so
// repeated pushes and fetches reuse warm TCP connections. Bodies stream both ways; only small
// JSON (RPC results, error answers) is buffered, and that with a bound.
import { Agent, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as TlsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { formatAddress, type PeerAddress } from './address';
import { authorizationHeader } from './auth';
import { PeerLacksChunkError, PeerBlockedError, PeerRequestError } from './errors';
import { readBody, readErrorBody } from './http-body';
import { sendPeerRequest } from './peer-request';
import { CHUNK_HASH, CHUNK_PATH_PREFIX, FROM_HEADER, HTTP_URL_HEADER, RPC_NAME, RPC_PATH_PREFIX, SNAPSHOT_PATH, SNAPSHOT_STREAM_FRAMING, SNAPSHOT_STREAM_PATH } from './protocol';
import { tlsClientOptions, type TlsMaterial } from './tls';
import type { RequestOptions } from './types';

export interface PeerClientContext {
  readonly selfId: number;
  readonly secret: string;
  readonly selfHttpUrl: string;
  readonly defaultTimeoutMs: number;
  readonly maxRpcBytes: number;
  /** The address to reach `peerId` at; throws PeerUnknownError or PeerBlockedError. */
  readonly resolve: (peerId: number) => PeerAddress;
  /** With TLS, peers are dialled over TLS, verified against the CA, showing this node's certificate. */
  readonly tls: TlsMaterial | null;
}

export class PeerClient {
  // Idle pooled sockets close after 30 s, before the peer server's 60 s keep-alive timeout, so
  // the client is normally the side that ends an idle connection.
  private readonly agent: Agent;

  constructor(private readonly ctx: PeerClientContext) {
    const pool = { keepAlive: true, maxSockets: 16, timeout: 30_000 };
    this.agent = ctx.tls ? new TlsAgent({ ...pool, ...tlsClientOptions(ctx.tls) }) : new Agent(pool);
  }

  /** Resolves once the peer answered 201, i.e. holds the chunk durably and verified its hash. */
  async pushChunk(peerId: number, hash: string, size: number, open: () => Readable, options: RequestOptions = {}): Promise<void> {
    assertHash(hash);
    const address = this.ctx.resolve(peerId);
    const res = await this.send(peerId, address, 'PUT', `${CHUNK_PATH_PREFIX}${hash}`, options, {
      headers: { 'content-type': 'application/octet-stream', 'content-length': size },
      body: open,
    });
    if (res.statusCode !== 201) throw await failure(peerId, address, res);
    // Reading the answer to its end returns the socket to the pool before the caller's next push.
    await readBody(res, 64 * 1024);
  }

  /** The chunk's bytes as the peer sends them; the caller verifies the hash while storing. */
  async fetchChunk(peerId: number, hash: string, options: RequestOptions = {}): Promise<Readable> {
    assertHash(hash);
    const address = this.ctx.resolve(peerId);
    const res = await this.send(peerId, address, 'GET', `${CHUNK_PATH_PREFIX}${hash}`, options);
    if (res.statusCode === 404) {
      res.resume();
      throw new PeerLacksChunkError(peerId, formatAddress(address), hash);
    }
    if (res.statusCode !== 200) throw await failure(peerId, address, res);
    return res;
  }

  /** Resolves once the peer handed the snapshot to its Raft node (snapshot-transfer.ts has the body). */
  async pushSnapshot(peerId: number, parts: readonly Buffer[], options: RequestOptions = {}): Promise<void> {
    const address = this.ctx.resolve(peerId);
    const size = parts.reduce((sum, part) => sum + part.length, 0);
    const res = await this.send(peerId, address, 'POST', SNAPSHOT_PATH, options, {
      headers: { 'content-type': 'application/octet-stream', 'content-length': size },
      body: () => Readable.from(parts),
    });
    if (res.statusCode !== 204) throw await failure(peerId, address, res);
    res.resume();
  }

  /** Whether the peer takes snapshots in framing 2 (snapshot-stream.ts): false for a release without it (404). */
  async takesSnapshotStream(peerId: number, options: RequestOptions = {}): Promise<boolean> {
    const address = this.ctx.resolve(peerId);
    const res = await this.send(peerId, address, 'GET', SNAPSHOT_STREAM_PATH, options);
    if (res.statusCode === 404) {
      res.resume();
      return false;
    }
    if (res.statusCode !== 200) throw await failure(peerId, address, res);
    const answer = JSON.parse((await readBody(res, 64 * 1024)).toString('utf8')) as { framing?: unknown };
    return answer.framing === SNAPSHOT_STREAM_FRAMING;
  }

  /** Streams a snapshot in framing 2; resolves once the peer handed it to its Raft node. */
  async pushSnapshotStream(peerId: number, body: () => Readable, options: RequestOptions = {}): Promise<void> {
    const address = this.ctx.resolve(peerId);
    const res = await this.send(peerId, address, 'POST', SNAPSHOT_STREAM_PATH, options, {
      headers: { 'content-type': 'application/octet-stream' },
      body,
    });
    if (res.statusCode !== 204) throw await failure(peerId, address, res);
    res.resume();
  }

  async rpc(peerId: number, name: string, body: unknown, options: RequestOptions = {}): Promise<unknown> {
    if (!RPC_NAME.test(name)) throw new TypeError(`invalid RPC name "${name}"`);
    const json = Buffer.from(JSON.stringify(body ?? null));
    const address = this.ctx.resolve(peerId);
    const res = await this.send(peerId, address, 'POST', `${RPC_PATH_PREFIX}${name}`, options, {
      headers: { 'content-type': 'application/json', 'content-length': json.length },
      body: () => json,
    });
    if (res.statusCode !== 200) throw await failure(peerId, address, res);
    return JSON.parse((await readBody(res, this.ctx.maxRpcBytes)).toString('utf8'));
  }

  close(): void {
    this.agent.destroy();
  }

  private send(
    peerId: number,
    address: PeerAddress,
    method: 'GET' | 'PUT' | 'POST',
    path: string,
    options: RequestOptions,
    extra: { headers?: OutgoingHttpHeaders; body?: () => Readable | Buffer } = {},
  ): Promise<IncomingMessage> {
    return sendPeerRequest({
      agent: this.agent,
      peerId,
      address,
      method,
      path,
      headers: {
        ...authorizationHeader(this.ctx.secret),
        [FROM_HEADER]: String(this.ctx.selfId),
        [HTTP_URL_HEADER]: this.ctx.selfHttpUrl,
        ...extra.headers,
      },
      ...(extra.body && { body: extra.body }),
      ...(options.signal && { signal: options.signal }),
      timeoutMs: options.timeoutMs ?? this.ctx.defaultTimeoutMs,
    });
  }
}

async function failure(peerId: number, address: PeerAddress, res: IncomingMessage): Promise<Error> {
  const { code, detail } = await readErrorBody(res);
  if (code === 'peer_blocked') return new PeerBlockedError(peerId, 'remote');
  return new PeerRequestError(peerId, formatAddress(address), res.statusCode ?? 0, code, detail);
}

function assertHash(hash: string): void {
  if (!CHUNK_HASH.test(hash)) throw new TypeError(`invalid chunk hash "${hash}" (expected 64 lowercase hex digits)`);
}
