// The listener on this node's peer port: Raft streams arrive as HTTP Upgrades, chunks, snapshots
// and RPCs as ordinary requests. Every request is authenticated with the cluster secret and attributed to
// a peer id before anything else happens, and refused outright while that peer is blocked.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { COMMAND_FORMATS_HEADER, formatRangeText, type FormatRange } from '../common/command-formats';
import { isAuthorized } from './auth';
import { ChunkIntegrityError, CodecError, RpcRequestError } from './errors';
import { peerFormats } from './format-handshake';
import { BodyTooLargeError, readBody, readBodyOfLength, sendError, sendJson } from './http-body';
import type { InboundStreams } from './inbound-streams';
import {
  CHUNK_HASH, CHUNK_PATH_PREFIX, FROM_HEADER, HTTP_URL_HEADER, parseHttpUrl, parsePeerId, RAFT_PATH, RAFT_PROTOCOL,
  RPC_NAME, RPC_PATH_PREFIX, SNAPSHOT_PATH, SNAPSHOT_STREAM_FRAMING, SNAPSHOT_STREAM_PATH,
} from './protocol';
import { readSnapshotStream } from './snapshot-stream';
import { decodeSnapshotBody } from './snapshot-transfer';
import type { SnapshotContents } from './transport';
import { createServedPort, type ServedPort, type TlsMaterial } from './tls';
import type { OpenChunk, RpcHandler, StoreChunk, TransportLog } from './types';

export interface PeerServerContext {
  readonly selfId: number;
  readonly secret: string;
  readonly selfHttpUrl: string;
  readonly maxChunkBytes: number;
  readonly maxRpcBytes: number;
  /** Largest snapshot accepted on SNAPSHOT_PATH. */
  readonly maxSnapshotBytes: number;
  readonly log: TransportLog;
  readonly inbound: InboundStreams;
  readonly isBlocked: (peerId: number) => boolean;
  readonly onHttpUrl: (peerId: number, url: string) => void;
  /** The command formats this node applies: a peer that shares none is refused its stream. */
  readonly commandFormats: FormatRange | undefined;
  readonly storeChunk: StoreChunk;
  readonly openChunk: OpenChunk;
  /** Where contents streamed beside a snapshot go (framing 2); none: only framing 1 is served. */
  readonly snapshotContents: () => SnapshotContents | undefined;
  readonly rpcHandlers: ReadonlyMap<string, RpcHandler>;
  /** With TLS, every peer must also show a certificate signed by the cluster's CA. */
  readonly tls: TlsMaterial | null;
}

export function createPeerServer(ctx: PeerServerContext): ServedPort {
  const port = createServedPort(ctx.tls, { keepAliveTimeout: 60_000, verifyClients: true }, (req, res) => {
    handleRequest(ctx, req, res).catch((err: unknown) => {
      ctx.log.warn({ method: req.method, path: req.url, err: String(err) }, 'peer request failed');
      sendError(res, 500, 'internal', 'the request failed on this node', true);
    });
  });
  // A refused peer retries with backoff; say why once per peer and reason, not on every retry.
  const refusals = new Map<number, string>();
  const warnRefused = (peerId: number, reason: string, address: string | undefined): void => {
    if (refusals.get(peerId) === reason) return;
    refusals.set(peerId, reason);
    ctx.log.warn({ peer: peerId, address }, `raft stream from peer refused: ${reason}`);
  };
  port.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => handleUpgrade(ctx, req, socket, head, warnRefused));
  return port;
}

/** Authenticates and attributes a request: the peer id, or an error answer already chosen. */
function identify(ctx: PeerServerContext, req: IncomingMessage): { peerId: number } | { status: number; code: string; detail: string } {
  if (!isAuthorized(req.headers, ctx.secret)) return { status: 401, code: 'unauthorized', detail: 'missing or wrong cluster secret' };
  const peerId = parsePeerId(req.headers[FROM_HEADER]);
  if (peerId === null || peerId === ctx.selfId) return { status: 400, code: 'bad_request', detail: `missing or invalid ${FROM_HEADER} header` };
  const httpUrl = parseHttpUrl(req.headers[HTTP_URL_HEADER]);
  if (httpUrl) ctx.onHttpUrl(peerId, httpUrl);
  return { peerId };
}

function handleUpgrade(ctx: PeerServerContext, req: IncomingMessage, socket: Duplex, head: Buffer, warnRefused: (peerId: number, reason: string, address: string | undefined) => void): void {
  // Which command formats this node applies: told to an authenticated peer only, refused or not.
  const advertised = ctx.commandFormats ? `${COMMAND_FORMATS_HEADER}: ${formatRangeText(ctx.commandFormats)}\r\n` : '';
  const refuse = (status: number, code: string, detail: string, headers = ''): void => {
    const body = JSON.stringify({ error: code, detail });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n${headers}` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };
  socket.on('error', () => socket.destroy());
  if (req.url !== RAFT_PATH || req.headers.upgrade !== RAFT_PROTOCOL) {
    refuse(400, 'bad_request', `only ${RAFT_PROTOCOL} upgrades on ${RAFT_PATH} are served here`);
    return;
  }
  const who = identify(ctx, req);
  if (!('peerId' in who)) {
    refuse(who.status, who.code, who.detail);
    return;
  }
  const { refusal } = peerFormats(ctx.selfId, ctx.commandFormats, who.peerId, req.headers[COMMAND_FORMATS_HEADER]);
  if (refusal !== null) {
    warnRefused(who.peerId, refusal, req.socket.remoteAddress);
    refuse(409, 'incompatible_formats', refusal, advertised);
    return;
  }
  // node:http types the socket as a Duplex; for a TCP listener it is always a net.Socket.
  // A blocked peer's stream is accepted and its frames discarded, so lifting the block heals the
  // link at once instead of after the peer's reconnect backoff.
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${RAFT_PROTOCOL}\r\n${HTTP_URL_HEADER}: ${ctx.selfHttpUrl}\r\n${advertised}\r\n`);
  ctx.inbound.accept(who.peerId, socket as Socket, head);
}

async function handleRequest(ctx: PeerServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const who = identify(ctx, req);
  if (!('peerId' in who)) return sendError(res, who.status, who.code, who.detail, true);
  if (ctx.isBlocked(who.peerId)) return sendError(res, 403, 'peer_blocked', `node ${ctx.selfId} blocks peer ${who.peerId}`, true);
  const path = req.url ?? '';
  if (path.startsWith(CHUNK_PATH_PREFIX)) {
    const hash = path.slice(CHUNK_PATH_PREFIX.length);
    if (!CHUNK_HASH.test(hash)) return sendError(res, 400, 'bad_request', 'a chunk is named by 64 lowercase hex digits (SHA-256)', true);
    if (req.method === 'GET') return serveChunk(ctx, hash, res);
    if (req.method === 'PUT') return receiveChunk(ctx, hash, req, res);
  } else if (path === SNAPSHOT_PATH) {
    if (req.method === 'POST') return receiveSnapshot(ctx, who.peerId, req, res);
  } else if (path === SNAPSHOT_STREAM_PATH && ctx.snapshotContents() !== undefined) {
    if (req.method === 'GET') return sendJson(res, 200, { framing: SNAPSHOT_STREAM_FRAMING });
    if (req.method === 'POST') return receiveSnapshotStream(ctx, who.peerId, req, res);
  } else if (path.startsWith(RPC_PATH_PREFIX)) {
    if (req.method === 'POST') return answerRpc(ctx, who.peerId, path.slice(RPC_PATH_PREFIX.length), req, res);
  } else {
    return sendError(res, 404, 'not_found', `no peer route ${path}`, true);
  }
  sendError(res, 405, 'method_not_allowed', `${req.method ?? ''} is not served on ${path}`, true);
}

async function serveChunk(ctx: PeerServerContext, hash: string, res: ServerResponse): Promise<void> {
  const chunk = await ctx.openChunk(hash);
  if (!chunk) return sendError(res, 404, 'not_found', `chunk ${hash} is not stored on node ${ctx.selfId}`);
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  try {
    await pipeline(chunk, res);
  } catch (err) {
    // The client sees a cut-off body and discards it; nothing else can be said mid-stream.
    ctx.log.warn({ hash, err: String(err) }, 'sending a chunk to a peer failed');
  }
}

async function receiveChunk(ctx: PeerServerContext, hash: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const declared = req.headers['content-length'];
  if (declared === undefined || !/^\d+$/.test(declared)) return sendError(res, 411, 'length_required', 'a chunk push needs Content-Length', true);
  const size = Number(declared);
  if (size > ctx.maxChunkBytes) return sendError(res, 413, 'chunk_too_large', `chunk of ${size} bytes exceeds ${ctx.maxChunkBytes}`, true);
  try {
    await ctx.storeChunk(hash, req, size);
  } catch (err) {
    if (err instanceof ChunkIntegrityError) return sendError(res, 422, 'chunk_mismatch', err.message, true);
    if (req.destroyed && !req.complete) return; // the sender went away mid-body; nobody to answer
    throw err;
  }
  sendJson(res, 201, { stored: hash });
}

async function receiveSnapshot(ctx: PeerServerContext, from: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const declared = req.headers['content-length'];
  if (declared === undefined || !/^\d+$/.test(declared)) return sendError(res, 411, 'length_required', 'a snapshot needs Content-Length', true);
  const size = Number(declared);
  if (size > ctx.maxSnapshotBytes) return sendError(res, 413, 'snapshot_too_large', `snapshot of ${size} bytes exceeds ${ctx.maxSnapshotBytes}`, true);
  let body: Buffer;
  try {
    body = await readBodyOfLength(req, size);
  } catch (err) {
    if (req.destroyed && !req.complete) return; // the sender went away mid-body; nobody to answer
    return sendError(res, 400, 'bad_request', `snapshot body: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  let message;
  try {
    message = decodeSnapshotBody(body);
  } catch (err) {
    if (err instanceof CodecError) return sendError(res, 400, 'bad_request', `malformed snapshot: ${err.message}`, true);
    throw err;
  }
  ctx.inbound.deliverSnapshot(from, message, size);
  res.writeHead(204).end();
}

/**
 * A snapshot in framing 2: its contents go into this node's pack as they arrive, and the snapshot
 * reaches Raft only once every one was checked and the pack synced. A body cut or refused midway
 * leaves contents that nothing holds (the next snapshot of this node lets them go).
 */
async function receiveSnapshotStream(ctx: PeerServerContext, from: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const contents = ctx.snapshotContents() as SnapshotContents;
  let received;
  try {
    received = await readSnapshotStream(req, { maxDataBytes: ctx.maxSnapshotBytes, maxContentBytes: ctx.maxChunkBytes }, (sha256, bytes) => contents.receive(sha256, bytes));
  } catch (err) {
    if (req.destroyed && !req.complete) return; // the sender went away mid-body; nobody to answer
    if (err instanceof CodecError) return sendError(res, 400, 'bad_request', `malformed snapshot stream: ${err.message}`, true);
    throw err;
  }
  await contents.sync();
  ctx.inbound.deliverSnapshot(from, received.message, received.bytes);
  res.writeHead(204).end();
}

async function answerRpc(ctx: PeerServerContext, from: number, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const handler = RPC_NAME.test(name) ? ctx.rpcHandlers.get(name) : undefined;
  if (!handler) return sendError(res, 404, 'unknown_rpc', `node ${ctx.selfId} serves no RPC "${name}"`, true);
  let body: unknown;
  try {
    const raw = await readBody(req, ctx.maxRpcBytes);
    body = raw.length === 0 ? null : JSON.parse(raw.toString('utf8'));
  } catch (err) {
    if (err instanceof BodyTooLargeError) return sendError(res, 413, 'rpc_too_large', err.message, true);
    return sendError(res, 400, 'bad_request', `RPC "${name}" needs a JSON body`, true);
  }
  let result: unknown;
  try {
    result = await handler(body, from);
  } catch (err) {
    if (err instanceof RpcRequestError) return sendError(res, 400, 'bad_request', err.message, true);
    ctx.log.warn({ rpc: name, peer: from, err: String(err) }, 'peer RPC handler failed');
    return sendError(res, 500, 'rpc_failed', `RPC "${name}" failed on node ${ctx.selfId}: ${err instanceof Error ? err.message : String(err)}`);
  }
  sendJson(res, 200, result);
}
