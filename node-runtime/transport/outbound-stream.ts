// This node's persistent Raft stream to one peer: an HTTP Upgrade to RAFT_PROTOCOL, then frames
// of batched messages in one direction. Messages sent while a write is pending, or while the
// link is down, wait in a bounded queue; everything queued when the socket can take more leaves
// as one frame. A failed or dropped link is retried with capped, jittered exponential backoff.
import { request, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { request as tlsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { COMMAND_FORMATS_HEADER, parseFormatRange, type FormatRange } from '../common/command-formats';
import type { Message } from '../raft/types';
import { connectHost, formatAddress, type PeerAddress } from './address';
import { authorizationHeader } from './auth';
import { backoffDelay, type BackoffPolicy } from './backoff';
import { encodeMessage } from './codec';
import { advertisedFormats, peerFormats } from './format-handshake';
import { encodeFrame, FRAME_HEADER_BYTES } from './framing';
import { isBulk, OutboundQueue } from './outbound-queue';
import { FROM_HEADER, HTTP_URL_HEADER, parseHttpUrl, RAFT_PATH, RAFT_PROTOCOL } from './protocol';
import { tlsClientOptions, type TlsMaterial } from './tls';
import type { OutboundStatus, QueueLimits, TransportLog } from './types';

export interface OutboundContext {
  readonly selfId: number;
  readonly secret: string;
  readonly selfHttpUrl: string;
  readonly limits: QueueLimits;
  readonly backoff: BackoffPolicy;
  readonly random: () => number;
  readonly handshakeTimeoutMs: number;
  readonly log: TransportLog;
  readonly onUnreachable: (peerId: number) => void;
  readonly onHttpUrl: (peerId: number, url: string) => void;
  /** The command formats this node applies, advertised in the handshake (format-handshake.ts). */
  readonly commandFormats: FormatRange | undefined;
  /** The peer's range, from its answer to our handshake, before any message goes out on the stream. */
  readonly onPeerFormats: (peerId: number, range: FormatRange) => void;
  /** With TLS the stream runs over TLS, the peer verified against the CA and shown our certificate. */
  readonly tls: TlsMaterial | null;
}

export class OutboundStream {
  private readonly queue: OutboundQueue;
  private readonly where: string;
  private socket: Socket | null = null;
  private handshake: ClientRequest | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private flushTask: NodeJS.Immediate | null = null;
  private waitingForDrain = false;
  private started = false;
  private closed = false;
  /** Consecutive failed attempts; the backoff exponent. */
  private failures = 0;
  private attempts = 0;
  /** onUnreachable is reported once per overflow episode, not once per dropped message. */
  private overflowReported = false;
  private lastError: string | undefined;
  private reconnects = 0;
  private messagesSent = 0;
  private bytesSent = 0;
  private framesSent = 0;
  private messagesDropped = 0;

  constructor(
    readonly peerId: number,
    readonly address: PeerAddress,
    private readonly ctx: OutboundContext,
  ) {
    this.queue = new OutboundQueue(ctx.limits);
    this.where = formatAddress(address);
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.connect();
  }

  /**
   * Queues one message for this peer; never blocks and never grows past the queue bound. It leaves
   * at the end of the turn, or at the caller's flushNow() (`later: false`).
   */
  enqueue(m: Message, later = true): void {
    if (this.closed) return;
    const bytes = encodeMessage(m);
    if (bytes.length > this.ctx.limits.maxFrameBytes - FRAME_HEADER_BYTES) {
      this.ctx.log.warn({ peer: this.peerId, type: m.type, bytes: bytes.length }, 'raft message larger than a frame may be; dropped');
      this.drop(1);
      return;
    }
    const dropped = this.queue.push({ bytes, bulk: isBulk(m) });
    if (dropped > 0) this.drop(dropped);
    if (later) this.scheduleFlush();
  }

  /**
   * The peer just opened its own stream to this node, so it is up: a link waiting out its backoff
   * connects now instead of up to `maxMs` later. A restarted follower hears of the leader only over
   * the leader's stream to it, and waited for the leader's next retry, 0.1–1.7 s after it listened
   * (issue #11: a restart to /readyz within 2 s).
   */
  retryNow(): void {
    if (this.closed || this.socket !== null || this.retryTimer === null) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  /** Counts messages that were never queued (peer blocked by fault injection). */
  countDropped(n: number): void {
    this.messagesDropped += n;
  }

  /** Messages that may not have arrived: dropped, or sent on a connection that broke since (counted per reconnection). */
  losses(): number {
    return this.messagesDropped + this.reconnects;
  }

  status(): OutboundStatus {
    return {
      connected: this.socket !== null,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
      reconnects: this.reconnects,
      queuedMessages: this.queue.length,
      queuedBytes: this.queue.bytes,
      messagesSent: this.messagesSent,
      bytesSent: this.bytesSent,
      framesSent: this.framesSent,
      messagesDropped: this.messagesDropped,
    };
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.flushTask) clearImmediate(this.flushTask);
    this.retryTimer = null;
    this.flushTask = null;
    this.handshake?.destroy();
    this.handshake = null;
    this.socket?.destroy();
    this.socket = null;
    this.queue.clear();
  }

  private drop(n: number): void {
    this.messagesDropped += n;
    if (!this.overflowReported) {
      this.overflowReported = true;
      this.ctx.log.warn({ peer: this.peerId, address: this.where, queuedBytes: this.queue.bytes }, 'raft queue to peer is full; dropping messages');
      this.ctx.onUnreachable(this.peerId);
    }
  }

  private connect(): void {
    this.retryTimer = null;
    this.attempts++;
    const tls = this.ctx.tls;
    const req = (tls ? tlsRequest : request)({
      ...(tls && tlsClientOptions(tls)),
      host: connectHost(this.address),
      port: this.address.port,
      path: RAFT_PATH,
      method: 'GET',
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: RAFT_PROTOCOL,
        ...authorizationHeader(this.ctx.secret),
        [FROM_HEADER]: String(this.ctx.selfId),
        [HTTP_URL_HEADER]: this.ctx.selfHttpUrl,
        ...advertisedFormats(this.ctx.commandFormats),
      },
    });
    this.handshake = req;
    req.setTimeout(this.ctx.handshakeTimeoutMs, () => req.destroy(new Error(`no answer to the stream handshake within ${this.ctx.handshakeTimeoutMs} ms`)));
    req.on('upgrade', (res, socket) => {
      this.handshake = null;
      if (this.closed) {
        socket.destroy();
      } else if (res.headers.upgrade !== RAFT_PROTOCOL) {
        socket.destroy();
        this.fail(`answered the stream handshake with protocol "${res.headers.upgrade ?? ''}"`);
      } else {
        this.answered(socket, res.headers);
      }
    });
    req.on('response', (res) => {
      if (this.handshake !== req) {
        req.destroy();
        return;
      }
      this.handshake = null;
      // A peer that refused for want of a common command format still said which ones it applies.
      const range = res.headers[COMMAND_FORMATS_HEADER] === undefined ? null : parseFormatRange(res.headers[COMMAND_FORMATS_HEADER]);
      if (range) this.ctx.onPeerFormats(this.peerId, range);
      // The refusal's JSON detail says why (wrong secret, no command format in common…): keep it for the status.
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        if (body.length < 4096) body += text;
      });
      res.on('close', () => this.fail(`refused the raft stream with HTTP ${res.statusCode ?? '?'}${refusalDetail(body)}`));
    });
    req.on('error', (err) => {
      if (this.handshake !== req) return;
      this.handshake = null;
      this.fail(err.message);
    });
    req.end();
  }

  private answered(socket: Socket, headers: IncomingHttpHeaders): void {
    const { range, refusal } = peerFormats(this.ctx.selfId, this.ctx.commandFormats, this.peerId, headers[COMMAND_FORMATS_HEADER]);
    if (range) this.ctx.onPeerFormats(this.peerId, range);
    if (refusal !== null) {
      socket.destroy();
      if (this.lastError !== refusal) this.ctx.log.warn({ peer: this.peerId, address: this.where }, refusal);
      this.fail(refusal);
      return;
    }
    this.established(socket, parseHttpUrl(headers[HTTP_URL_HEADER]));
  }

  private established(socket: Socket, httpUrl: string | null): void {
    socket.setTimeout(0);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    if (this.attempts > 1) this.reconnects++;
    this.failures = 0;
    this.socket = socket;
    this.waitingForDrain = false;
    if (httpUrl) this.ctx.onHttpUrl(this.peerId, httpUrl);
    this.ctx.log.info({ peer: this.peerId, address: this.where }, 'raft stream to peer established');
    socket.on('drain', () => {
      this.waitingForDrain = false;
      this.flush();
    });
    // The peer never writes on this stream; reading keeps 'end' and 'close' flowing.
    socket.resume();
    socket.on('error', (err) => {
      this.lastError = err.message;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.fail(this.lastError ?? 'the peer closed the raft stream');
    });
    this.flush();
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.lastError = reason;
    this.waitingForDrain = false;
    const delay = backoffDelay(this.ctx.backoff, this.failures++, this.ctx.random);
    this.ctx.log.debug({ peer: this.peerId, address: this.where, reason, retryInMs: delay }, 'raft stream to peer failed');
    this.ctx.onUnreachable(this.peerId);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Writes what is queued now, instead of at the end of the turn (PeerTransport.send's `now`). */
  flushNow(): void {
    if (this.flushTask) clearImmediate(this.flushTask);
    this.flushTask = null;
    this.flush();
  }

  private scheduleFlush(): void {
    // Deferring to setImmediate is what batches: every send() of this turn joins one frame.
    if (this.flushTask || !this.socket || this.waitingForDrain) return;
    this.flushTask = setImmediate(() => {
      this.flushTask = null;
      this.flush();
    });
  }

  private flush(): void {
    const socket = this.socket;
    if (!socket) return;
    while (this.queue.length > 0 && !this.waitingForDrain) {
      const batch = this.queue.takeBatch(this.ctx.limits.maxFrameBytes - FRAME_HEADER_BYTES);
      const frame = encodeFrame(batch);
      this.messagesSent += batch.length;
      this.bytesSent += frame.length;
      this.framesSent++;
      // write() returning false means the socket buffered past its high-water mark: stop and
      // let the queue (bounded) absorb what comes next until 'drain'.
      if (!socket.write(frame)) this.waitingForDrain = true;
    }
    if (this.queue.length === 0) this.overflowReported = false;
  }
}

function refusalDetail(body: string): string {
  try {
    const { detail } = JSON.parse(body) as { detail?: unknown };
    return typeof detail === 'string' ? `: ${detail}` : '';
  } catch {
    return '';
  }
}
