// The S3-compatible endpoint (issue #17): its own HTTP server beside the node API, because
// path-style S3 URLs (/bucket/key) collide with the seed's GET /<name>. Every request is
// authenticated (SigV4, header or presigned) before anything else; writes reach the leader as
// the node API's do (a follower streams them to the leader's S3 endpoint, signature intact), and
// reads are linearizable, since S3 promises read-after-write.
import { STATUS_CODES } from 'node:http';
import type http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { BODY_PROGRESS_BYTES, watchBodyProgress } from '../common/body-progress';
import { advertisedHost, serverUrl } from '../common/listen-address';
import type { LeaderSeen, S3Services } from './s3-services';
import { authenticate } from './authenticate';
import { S3StartupError, type S3Credentials } from './credentials';
import { FORWARDED_HEADER } from '../ports';
import { forwardToLeader, LeaderRefusedError, type LeaderEndpoint, type RequestNode } from './forward';
import { dispatch, isWrite } from './routes';
import { parseS3Request, sendError, type S3Request } from './s3-request';
import { S3Error, toS3Error } from './s3-errors';
import { UploadSlots } from './upload-slots';

/** How the endpoint serves its port and reaches the leader's: HTTPS for both when the node has TLS (node/ decides). */
export interface NodeLinks {
  readonly serve: (options: http.ServerOptions, onRequest: http.RequestListener) => { readonly server: http.Server; readonly listener: net.Server; readonly scheme: 'http' | 'https' };
  readonly requestNode: RequestNode;
}

export interface S3EndpointOptions extends NodeLinks {
  readonly services: S3Services;
  readonly listen: { readonly host: string; readonly port: number };
  /** --insecure: an empty host then means every interface, else loopback. */
  readonly insecure: boolean;
  /** How other machines reach this port when it listens on every interface (common/listen-address.ts). */
  readonly advertise: { readonly explicit?: string; readonly peerHost: string };
  readonly credentials: S3Credentials;
  /** Where this cluster's leader serves S3, for writes that arrive at a follower. */
  readonly leader: LeaderEndpoint;
  readonly logger: Logger;
}

export interface S3Endpoint {
  readonly url: string;
  /** The HTTP(S) server, for the node's live request limits (requestTimeoutMs, maxHeaderBytes). */
  readonly server: http.Server;
  close(): Promise<void>;
}

export async function startS3Endpoint(options: S3EndpointOptions): Promise<S3Endpoint> {
  const { listen, logger } = options;
  const host = listen.host === '' ? (options.insecure ? '0.0.0.0' : '127.0.0.1') : listen.host;
  const slots = new UploadSlots();
  const { server, listener, scheme } = options.serve({ requireHostHeader: false, connectionsCheckingInterval: 1_000 }, (req, res) => {
    void handle(options, slots, req, res);
  });
  // What Node's parser refuses (oversized headers, a malformed request line) still gets an S3
  // error document, and the connection closes: the stream position is unknown.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    const answer =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new S3Error('InvalidRequest', 'Your request headers are too large (setting maxHeaderBytes).')
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new S3Error('RequestTimeout', 'The request took longer than this node allows (setting requestTimeoutMs); nothing was stored.')
          : new S3Error('InvalidRequest', `The request is not valid HTTP (${err.code ?? 'parse error'}).`);
    const body = answer.toXml('/', '');
    socket.end(`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\nConnection: close\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new S3StartupError(`the S3 port ${host}:${listen.port} is already in use`) : err),
    );
    listener.listen(listen.port, host, () => resolve());
  });
  const port = (listener.address() as AddressInfo).port;
  const url = serverUrl(scheme, advertisedHost(host, options.advertise), port);
  logger.info({ event: 's3Listening', s3Url: url }, `S3 endpoint listening on ${url}`);
  return {
    url,
    server,
    close: async () => {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      server.closeIdleConnections();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref());
      await Promise.race([closed, grace]);
      server.closeAllConnections();
    },
  };
}

async function handle(options: S3EndpointOptions, slots: UploadSlots, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  let s3: S3Request | null = null;
  try {
    s3 = parseS3Request(req, res);
    authenticate(s3, options.credentials, isWrite(s3));
    const { services } = options;
    if (s3.method === 'PUT' || s3.method === 'POST') slots.take(res, services.limits().maxConcurrentUploads);
    // During an election a write waits for a leader (leaderWaitMs), as the node API's do
    // (api/leader-only.ts); its body stays unread meanwhile, so the idle timer starts after.
    // A write another node forwarded here is not held: that node already waited.
    if (isWrite(s3) && !(await routeToLeader(s3, options))) return;
    await dispatch(s3, services);
  } catch (err) {
    const s3Error = toS3Error(err) ?? (req.destroyed && !req.complete ? new S3Error('IncompleteBody', 'The request body ended early.') : null);
    if (!s3Error) options.logger.error({ err, method: req.method, url: s3?.bucket ?? '' }, 'S3 request failed');
    const answer = s3Error ?? new S3Error('InternalError', 'We encountered an internal error. Please try again.');
    if (s3) sendError(s3, answer);
    else if (!res.headersSent) res.writeHead(answer.status, { 'content-type': 'application/xml' }).end(answer.toXml(req.url ?? '/', ''));
  }
}

/** How often a write is routed again after its leader refused the connection (each a new election). */
const MAX_REROUTES = 3;

/**
 * Takes a write to the leader: true when this node leads and should handle it, false once it was
 * forwarded and answered. During an election the write waits for a leader (leaderWaitMs), as the
 * node API's do (api/leader-only.ts); its body stays unread meanwhile, so the idle timer starts
 * after. A leader that refuses the connection died: the write, still unread, waits for the next
 * one. A write another node forwarded here is not held: that node already waited.
 */
async function routeToLeader(s3: S3Request, options: S3EndpointOptions): Promise<boolean> {
  const { services } = options;
  const forwarded = s3.header(FORWARDED_HEADER) !== undefined;
  let unreachable: string | null = null;
  for (let attempt = 0; ; attempt++) {
    const view: LeaderSeen = forwarded ? services.leader() : await services.awaitLeader(unreachable);
    if (attempt === 0) timeBody(s3, services.limits().bodyIdleTimeoutMs);
    if (view.isLeader) return true;
    try {
      await forwardToLeader(s3, options.leader);
      return false;
    } catch (err) {
      if (!(err instanceof LeaderRefusedError) || forwarded || attempt >= MAX_REROUTES) throw err;
      unreachable = view.leaderUrl;
    }
  }
}

/**
 * A body that stops arriving for `idleMs`, or trickles in too slowly to count as arriving
 * (common/body-progress.ts), is answered RequestTimeout and cut (its upload stores nothing), as
 * the node API's bodyIdleTimeout does. Only the body is timed: the watch stops once the body has
 * ended or the answer is done.
 */
function timeBody(s3: S3Request, idleMs: number): void {
  const { req, res } = s3;
  if (req.complete) return;
  const socket = req.socket;
  const onStall = (): void => {
    if (req.complete) return;
    const answer = new S3Error('RequestTimeout', `Less than ${BODY_PROGRESS_BYTES} bytes of the request body arrived in ${idleMs} ms; nothing was stored.`);
    if (!res.headersSent) res.setHeader('connection', 'close');
    sendError(s3, answer);
    // The answer leaves first; failing the request then fails the upload's stream (nothing stored).
    const fail = (): void => {
      req.destroy(answer);
    };
    if (res.writableFinished) fail();
    else res.once('finish', fail).once('close', fail);
  };
  const stop = watchBodyProgress(() => socket.bytesRead, idleMs, onStall);
  req.once('end', stop);
  res.once('close', stop);
}
