// The node's public HTTP server. It listens before the API exists (the peer transport announces
// its URL, so the port must be known first) and answers 503 until serve() hands it the API.
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { advertisedHost, serverUrl } from '../common/listen-address';
import { answerClientErrors } from '../api/client-errors';
import { createServedPort, type TlsMaterial } from '../transport/tls';
import { NODE_DEFAULTS, type NodeSettings } from '../common/config';
import type { NodeOptions } from './cli-options';
import { StartupError } from './config-file';

export interface NodeHttpServer {
  /** The URL peers and clients reach this node's API at. */
  readonly url: string;
  /** Replaces the "starting" answer with the API. */
  serve(app: http.RequestListener): void;
  /** Applies the live request limits: the whole request's timeout (0: none) and the largest head, for new connections. */
  setLimits(limits: Pick<NodeSettings, 'requestTimeoutMs' | 'maxHeaderBytes'>): void;
  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

/** Node reads maxHeaderSize (absent from its types) as each connection arrives: a change reaches new connections. */
type LimitedServer = http.Server & { maxHeaderSize: number };

/** The node's live request limits on one of its servers (the API's, the S3 endpoint's). */
export function applyRequestLimits(server: http.Server, { requestTimeoutMs: ms, maxHeaderBytes }: Pick<NodeSettings, 'requestTimeoutMs' | 'maxHeaderBytes'>): void {
  (server as LimitedServer).maxHeaderSize = maxHeaderBytes;
  server.requestTimeout = ms;
  // Headers must not get longer than the whole request (Node's own rule at creation).
  server.headersTimeout = ms === 0 ? 60_000 : Math.min(60_000, ms);
}

const starting: http.RequestListener = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":"unavailable","detail":"the node is starting"}');
};

export async function listenHttp(options: Pick<NodeOptions, 'http' | 'insecure' | 'advertise'>, tls: TlsMaterial | null): Promise<NodeHttpServer> {
  // The seed's ":8081" listened everywhere; without --insecure it now means loopback (DESIGN.md).
  const host = options.http.host === '' ? (options.insecure ? '0.0.0.0' : '127.0.0.1') : options.http.host;
  // The API answers a missing Host itself (Node's own check answers 400 with no body at all).
  // Request timeouts are checked every connectionsCheckingInterval; Node's 30 s would let a
  // trickling client outlive requestTimeoutMs by that much.
  const { server, listener, scheme } = createServedPort(tls, { requireHostHeader: false, connectionsCheckingInterval: 1_000, maxHeaderSize: NODE_DEFAULTS.maxHeaderBytes }, starting);
  answerClientErrors(server, () => (server as LimitedServer).maxHeaderSize);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new StartupError(`the HTTP port ${host}:${options.http.port} is already in use (another node running?)`) : err),
    );
    listener.listen(options.http.port, host, () => resolve());
  });
  const port = (listener.address() as AddressInfo).port;
  return {
    url: serverUrl(scheme, advertisedHost(host, options.advertise), port),
    serve(app) {
      server.off('request', starting);
      server.on('request', app);
    },
    setLimits(limits) {
      applyRequestLimits(server, limits);
    },
    async close(graceMs) {
      const drained = new Promise<void>((resolve) => listener.once('close', () => resolve()));
      listener.close();
      server.closeIdleConnections();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([drained, grace]);
      server.closeAllConnections();
    },
  };
}
