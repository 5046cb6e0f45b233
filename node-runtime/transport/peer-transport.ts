// The peer transport of one node: its Raft streams to and from every peer, snapshots beside them,
// chunk transfer and small RPCs, all on the node's peer port. The node hands it Ready.messages (after persisting,
// as Raft requires) and gets peer messages back through the handlers given to start(), in order
// per peer. The node sees it through the Transport interface (transport.ts).
import { constants as bufferConstants } from 'node:buffer';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { AdvertisedFormats, FormatRange } from '../common/command-formats';
import type { Message, Snapshot } from '../raft/types';
import { listenHost, formatAddress, type PeerAddress } from './address';
import { DEFAULT_BACKOFF } from './backoff';
import { PeerBlockedError, PeerUnknownError, RpcAnswerError, RpcRequestError } from './errors';
import { InboundStreams } from './inbound-streams';
import { OutboundStream, type OutboundContext } from './outbound-stream';
import { PeerClient } from './peer-client';
import { createPeerServer } from './peer-server';
import { SnapshotSender } from './snapshot-sender';
import { snapshotStreamBody } from './snapshot-stream';
import type { ServedPort } from './tls';
import { parseHttpUrl, PEER_RPCS, type PeerRpcAnswer, type PeerRpcName, type PeerRpcRequest } from './protocol';
import type { InboundHandlers, PeerRpcHandler, Transport } from './transport';
import type { PeerStatus, PeerTransportOptions, QueueLimits, RequestOptions, RpcHandler, TransportLog } from './types';

export const DEFAULT_LIMITS: QueueLimits = {
  maxQueueBytes: 16 * 1024 * 1024,
  maxQueueMessages: 10_000,
  maxFrameBytes: 64 * 1024 * 1024,
};

/** A peer that accepts TCP but does not answer the stream handshake is treated as down. */
const HANDSHAKE_TIMEOUT_MS = 5_000;

const SILENT: TransportLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/** Nothing arrives before start(): the peer port is not listening and no stream is open. */
const NOT_STARTED: InboundHandlers = {
  onMessage: () => undefined,
  onUnreachable: () => undefined,
  storeChunk: () => Promise.reject(new Error('the peer transport is not started')),
  openChunk: () => Promise.reject(new Error('the peer transport is not started')),
};

export class PeerTransport implements Transport {
  private readonly opts: PeerTransportOptions;
  private readonly log: TransportLog;
  private readonly outboundCtx: OutboundContext;
  private readonly outbound = new Map<number, OutboundStream>();
  private readonly inbound: InboundStreams;
  private readonly httpUrls = new Map<number, string>();
  /** What each peer advertised when we last dialled it; kept across a disconnect until the next answer. */
  private readonly commandFormats = new Map<number, FormatRange>();
  private readonly rpcHandlers = new Map<string, RpcHandler>();
  private readonly port: ServedPort;
  private readonly client: PeerClient;
  private readonly snapshots: SnapshotSender;
  private blocked = new Set<number>();
  /** Peers whose messages and calls are refused while this node still sends to them (fault injection). */
  private ignored = new Set<number>();
  private handlers: InboundHandlers = NOT_STARTED;
  private state: 'new' | 'started' | 'closed' = 'new';

  constructor(opts: PeerTransportOptions) {
    if (!parseHttpUrl(opts.selfHttpUrl)) throw new TypeError(`selfHttpUrl must be an http(s) URL, got "${opts.selfHttpUrl}"`);
    this.opts = opts;
    this.log = opts.log ?? SILENT;
    const limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const onHttpUrl = (peerId: number, url: string): void => {
      this.httpUrls.set(peerId, url);
    };
    this.outboundCtx = {
      selfId: opts.selfId,
      secret: opts.secret,
      selfHttpUrl: opts.selfHttpUrl,
      limits,
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      random: opts.random ?? Math.random,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      log: this.log,
      onUnreachable: (peerId) => this.handlers.onUnreachable(peerId),
      onHttpUrl,
      commandFormats: opts.commandFormats,
      onPeerFormats: (peerId, range) => this.commandFormats.set(peerId, range),
      tls: opts.tls ?? null,
    };
    // Where a peer's API lives decides where this node forwards client writes. Without a secret
    // an inbound request proves nothing (any local process can send "X-Dfs-From: 3"), so only the
    // answer of the peer we dialled at its configured address counts; with one, the caller proved it.
    const onInboundHttpUrl = (peerId: number, url: string): void => {
      if (opts.secret !== '' && this.outbound.has(peerId)) onHttpUrl(peerId, url);
    };
    this.inbound = new InboundStreams({
      selfId: opts.selfId,
      maxFrameBytes: limits.maxFrameBytes,
      log: this.log,
      isBlocked: (peerId) => this.blocked.has(peerId) || this.ignored.has(peerId),
      onMessage: (m) => this.handlers.onMessage(m),
      onClosed: (peerId) => this.handlers.onConnectionClosed?.(peerId),
      // A peer that reached this node is up: the stream back to it need not wait out its backoff.
      onAccepted: (peerId) => this.outbound.get(peerId)?.retryNow(),
    });
    const maxRpcBytes = 16 * 1024 * 1024;
    this.port = createPeerServer({
      selfId: opts.selfId,
      secret: opts.secret,
      selfHttpUrl: opts.selfHttpUrl,
      maxChunkBytes: opts.maxChunkBytes ?? 64 * 1024 * 1024,
      maxRpcBytes,
      maxSnapshotBytes: opts.maxSnapshotBytes ?? bufferConstants.MAX_LENGTH,
      log: this.log,
      inbound: this.inbound,
      isBlocked: (peerId) => this.blocked.has(peerId) || this.ignored.has(peerId),
      onHttpUrl: onInboundHttpUrl,
      commandFormats: opts.commandFormats,
      storeChunk: (hash, body, size) => this.handlers.storeChunk(hash, body, size),
      openChunk: (hash) => this.handlers.openChunk(hash),
      snapshotContents: () => this.handlers.snapshotContents,
      rpcHandlers: this.rpcHandlers,
      tls: opts.tls ?? null,
    });
    this.client = new PeerClient({
      selfId: opts.selfId,
      secret: opts.secret,
      selfHttpUrl: opts.selfHttpUrl,
      defaultTimeoutMs: opts.requestTimeoutMs ?? 30_000,
      maxRpcBytes,
      resolve: (peerId) => this.reachable(peerId),
      tls: opts.tls ?? null,
    });
    this.snapshots = new SnapshotSender({
      log: this.log,
      pushStream: (peerId, m, signal) => this.pushSnapshotStream(peerId, m, signal),
      withBytes: async (m) => {
        const { snapshotContents } = this.handlers;
        const snapshot = m.snapshot as Snapshot;
        return snapshotContents ? { ...m, snapshot: { metadata: snapshot.metadata, data: await snapshotContents.withBytes(snapshot.data) } } : m;
      },
      push: (peerId, parts, signal) => this.client.pushSnapshot(peerId, parts, { signal }),
      viaStream: (m) => {
        if (!this.blocked.has(m.to)) this.outbound.get(m.to)?.enqueue(m);
      },
      onFailed: (peerId) => (this.handlers.onSnapshotFailed ?? this.handlers.onUnreachable)(peerId),
      onDropped: (peerId) => this.outbound.get(peerId)?.countDropped(1),
    });
    for (const [id, address] of opts.peers) this.addPeer(id, address);
  }

  /**
   * Listens on the peer port, handing what arrives to `inbound`, then opens a stream to every
   * peer. Rejects if the port is taken.
   */
  async start(inbound: InboundHandlers): Promise<void> {
    if (this.state !== 'new') throw new Error(`peer transport of node ${this.opts.selfId} was already started`);
    this.handlers = inbound;
    const host = listenHost(this.opts.listen, this.opts.secret);
    await new Promise<void>((resolve, reject) => {
      this.port.listener.once('error', reject);
      this.port.listener.listen(this.opts.listen.port, host, () => {
        this.port.listener.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      throw new Error(`node ${this.opts.selfId} cannot listen for peers on ${host ?? '*'}:${this.opts.listen.port}: ${String(err)}`, { cause: err });
    });
    // Errors after listening (e.g. accept failing with EMFILE) must not crash the node.
    this.port.listener.on('error', (err) => this.log.warn({ err: String(err) }, 'peer listener error'));
    this.state = 'started';
    for (const stream of this.outbound.values()) stream.start();
  }

  /** The bound peer address (the real port when `listen.port` was 0). */
  address(): PeerAddress {
    const info = this.port.listener.address() as AddressInfo | null;
    if (!info) throw new Error(`peer transport of node ${this.opts.selfId} is not listening`);
    return { host: info.address, port: info.port };
  }

  /**
   * Queues messages for their recipients and returns at once. Call only after the Ready they
   * came from is persisted. Messages to unknown or blocked peers are dropped (Raft tolerates loss).
   */
  send(messages: readonly Message[], options: { readonly now?: boolean } = {}): void {
    if (this.state === 'closed') return;
    const queued = new Set<OutboundStream>();
    for (const m of messages) {
      const stream = this.outbound.get(m.to);
      if (!stream) {
        this.log.debug({ peer: m.to, type: m.type }, 'raft message to an unknown peer dropped');
      } else if (this.blocked.has(m.to)) {
        stream.countDropped(1);
      } else if (m.snapshot !== undefined) {
        this.snapshots.send(m);
      } else {
        stream.enqueue(m, options.now !== true);
        queued.add(stream);
      }
    }
    if (options.now === true) for (const stream of queued) stream.flushNow();
  }

  snapshotUnderway(peerId: number): boolean {
    return this.snapshots.underway(peerId);
  }

  /** The public HTTP URL the peer announced on its stream or requests (for redirects). */
  peerHttpUrl(id: number): string | undefined {
    return this.httpUrls.get(id);
  }

  /** The command formats each peer advertised in its answer to our stream handshake. */
  peerCommandFormats(): AdvertisedFormats {
    return this.commandFormats;
  }

  lossesTo(peerId: number): number {
    return this.outbound.get(peerId)?.losses() ?? 0;
  }

  peerStatus(): Record<number, PeerStatus> {
    const ids = new Set([...this.outbound.keys(), ...this.inbound.peerIds()]);
    const result: Record<number, PeerStatus> = {};
    for (const id of ids) {
      const stream = this.outbound.get(id);
      const out = stream?.status();
      const inb = this.inbound.status(id);
      const httpUrl = this.httpUrls.get(id);
      const commandFormats = this.commandFormats.get(id);
      result[id] = {
        id,
        address: stream ? formatAddress(stream.address) : '',
        ...(httpUrl !== undefined && { httpUrl }),
        ...(commandFormats !== undefined && { commandFormats }),
        blocked: this.blocked.has(id),
        connected: out?.connected ?? false,
        inboundConnected: inb.connected,
        ...(out?.lastError !== undefined && { lastError: out.lastError }),
        reconnects: out?.reconnects ?? 0,
        queuedMessages: out?.queuedMessages ?? 0,
        queuedBytes: out?.queuedBytes ?? 0,
        messagesSent: out?.messagesSent ?? 0,
        bytesSent: out?.bytesSent ?? 0,
        framesSent: out?.framesSent ?? 0,
        messagesDropped: out?.messagesDropped ?? 0,
        messagesReceived: inb.messagesReceived,
        messagesDiscarded: inb.messagesDiscarded,
        bytesReceived: inb.bytesReceived,
        framesReceived: inb.framesReceived,
      };
    }
    return result;
  }

  /**
   * Streams a chunk to a peer; resolves once the peer holds it durably with a verified hash.
   * `open` may be called twice (a retry on a stale pooled connection), so it must reopen the source.
   */
  pushChunk(peerId: number, hash: string, size: number, open: () => Readable, options?: RequestOptions): Promise<void> {
    return this.client.pushChunk(peerId, hash, size, open, options);
  }

  /** A stream of the chunk's bytes; rejects with PeerLacksChunkError when the peer lacks it. */
  fetchChunk(peerId: number, hash: string, options?: RequestOptions): Promise<Readable> {
    return this.client.fetchChunk(peerId, hash, options);
  }

  /** Calls a peer RPC of transport/protocol.ts; the answer is parsed with its schema. */
  async call<N extends PeerRpcName>(peerId: number, name: N, request: PeerRpcRequest<N>, options?: RequestOptions): Promise<PeerRpcAnswer<N>> {
    const answer = PEER_RPCS[name].answer.safeParse(await this.rpc(peerId, name, request, options));
    if (!answer.success) throw new RpcAnswerError(peerId, name, answer.error.message);
    return answer.data as PeerRpcAnswer<N>;
  }

  /** Serves a peer RPC of transport/protocol.ts; a request that fails its schema gets the RPC's refusal, else 400. */
  answer<N extends PeerRpcName>(name: N, handler: PeerRpcHandler<N>): void {
    const definition = PEER_RPCS[name];
    this.onRpc(name, (body, from) => {
      const request = definition.request.safeParse(body);
      if (request.success) return handler(request.data as PeerRpcRequest<N>, from);
      if ('refusal' in definition) return definition.refusal;
      throw new RpcRequestError(name, request.error.message);
    });
  }

  /**
   * Calls `name` on the peer with any JSON body; resolves with the peer's JSON answer unchecked.
   * The untyped layer under call(); the node uses call().
   */
  rpc(peerId: number, name: string, body: unknown, options?: RequestOptions): Promise<unknown> {
    return this.client.rpc(peerId, name, body, options);
  }

  /**
   * Registers (or replaces) the handler peers reach with rpc(…, name, …); the untyped layer under
   * answer(), which the node uses. Handlers should be
   * idempotent: a call that hit a dead pooled connection is retried once (see peer-request.ts).
   */
  onRpc(name: string, handler: RpcHandler): void {
    this.rpcHandlers.set(name, handler);
  }

  /**
   * Fault injection: cut the links to `ids` in both directions until the next call. Messages to
   * them are dropped, from them discarded; chunk and RPC calls either way fail with PeerBlockedError.
   * From `ignored` only: their messages are discarded and their calls refused, while this node's
   * messages and calls still reach them (an asymmetric partition).
   */
  setBlockedPeers(ids: readonly number[], ignored: readonly number[] = []): void {
    this.blocked = new Set(ids);
    this.ignored = new Set(ignored);
  }

  /** Adds a member, or moves it to a new address (its stream reconnects there). */
  addPeer(id: number, address: PeerAddress): void {
    if (id === this.opts.selfId || this.state === 'closed') return;
    const existing = this.outbound.get(id);
    if (existing && existing.address.host === address.host && existing.address.port === address.port) return;
    existing?.close();
    const stream = new OutboundStream(id, address, this.outboundCtx);
    this.outbound.set(id, stream);
    if (this.state === 'started') stream.start();
  }

  /** Forgets a member: closes both streams and drops what was queued for it. */
  removePeer(id: number): void {
    this.snapshots.cancel(id);
    this.outbound.get(id)?.close();
    this.outbound.delete(id);
    this.inbound.disconnect(id);
    this.httpUrls.delete(id);
    this.commandFormats.delete(id);
  }

  /** Closes every connection and timer; the process can exit afterwards. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasListening = this.state === 'started';
    this.state = 'closed';
    for (const stream of this.outbound.values()) stream.close();
    this.outbound.clear();
    this.inbound.closeAll();
    this.snapshots.close();
    this.client.close();
    if (!wasListening) return;
    const closed = new Promise<void>((resolve) => this.port.listener.close(() => resolve()));
    this.port.server.closeAllConnections();
    await closed;
  }

  /** Framing 2, to a peer that takes it: the snapshot's data, then the contents it names read as the connection takes them. */
  private async pushSnapshotStream(peerId: number, m: Message, signal: AbortSignal): Promise<boolean> {
    const contents = this.handlers.snapshotContents;
    if (contents === undefined || !(await this.client.takesSnapshotStream(peerId, { signal }))) return false;
    const data = (m.snapshot as Snapshot).data;
    await this.client.pushSnapshotStream(peerId, () => Readable.from(snapshotStreamBody(m, contents.named(data)), { objectMode: false }), { signal });
    return true;
  }

  private reachable(peerId: number): PeerAddress {
    if (this.blocked.has(peerId)) throw new PeerBlockedError(peerId, 'local');
    const stream = this.outbound.get(peerId);
    if (!stream) throw new PeerUnknownError(peerId);
    return stream.address;
  }
}
