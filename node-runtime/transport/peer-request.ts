// One HTTP request to a peer over the keep-alive agent, resolving with the response once its
// headers arrive. The timeout is an inactivity bound (connect, answer, and later the response
// body), so a long transfer that keeps moving is never cut, while a stuck peer is.
//
// A pooled keep-alive socket may have been closed by the peer just as it was reused; such a
// request never reached the peer's handler, so it is retried once on a fresh socket. The body is
// a factory for that reason: a stream can be read only once.
import type { Agent, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connectHost, formatAddress, type PeerAddress } from './address';
import { PeerConnectionError, PeerTimeoutError, PeerTransportError } from './errors';
import { requestFor } from './tls';

export interface PeerRequest {
  readonly agent: Agent;
  readonly peerId: number;
  readonly address: PeerAddress;
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly path: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body?: () => Readable | Buffer;
  readonly signal?: AbortSignal;
  readonly timeoutMs: number;
}

const STALE_SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE']);

export function sendPeerRequest(spec: PeerRequest): Promise<IncomingMessage> {
  return attempt(spec, true);
}

function attempt(spec: PeerRequest, mayRetry: boolean): Promise<IncomingMessage> {
  const where = formatAddress(spec.address);
  return new Promise((resolve, reject) => {
    if (spec.signal?.aborted) {
      reject(spec.signal.reason);
      return;
    }
    const req = requestFor(spec.agent)({
      agent: spec.agent,
      host: connectHost(spec.address),
      port: spec.address.port,
      method: spec.method,
      path: spec.path,
      headers: spec.headers,
      ...(spec.signal && { signal: spec.signal }),
    });
    let answered = false;
    let bodyError: unknown;
    req.setTimeout(spec.timeoutMs, () => req.destroy(new PeerTimeoutError(spec.peerId, where, spec.timeoutMs)));
    req.once('response', (res) => {
      answered = true;
      resolve(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // After the answer, failures surface on the response stream the caller holds.
      if (answered) return;
      if (spec.signal?.aborted) reject(spec.signal.reason);
      else if (bodyError !== undefined) reject(bodyError);
      else if (err instanceof PeerTransportError) reject(err);
      else if (mayRetry && req.reusedSocket && STALE_SOCKET_ERRORS.has(err.code ?? '')) attempt(spec, false).then(resolve, reject);
      else reject(new PeerConnectionError(spec.peerId, where, err));
    });
    const body = spec.body?.();
    if (body === undefined || Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      body.once('error', (err) => {
        bodyError = err;
      });
      // pipeline destroys the request when the source fails, which lands in the 'error' handler.
      pipeline(body, req).catch(() => undefined);
    }
  });
}
