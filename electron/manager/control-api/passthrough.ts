// Forwards a dashboard request to a node and streams the answer back, bodies in both directions
// streamed (constant memory). Our credentials (token, cookie) never travel on to the node; the
// node's own (its cluster's client token) are added by the cluster's NodeAccess, for its nodes only.
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { REQUEST_ID_HEADER } from '../../../node-runtime/common/api-types';
import { ApiError } from '../../../node-runtime/common/errors';
import { RESEND_KEEP_BYTES, ResendableBody } from '../../../node-runtime/common/resendable-body';
import type { NodeAccess } from '../clusters/node-access';
import { sendError } from './http-util';

/** Hop-by-hop headers, plus the manager's own credentials and the browser's origin details. */
export const NOT_FORWARDED_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer',
  'host', 'authorization', 'cookie', 'origin', 'referer',
]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && !NOT_FORWARDED_HEADERS.has(key)) out[key] = value;
  }
  return out;
}

/**
 * The upstream's answer (status and headers), or the error that kept it from answering. Later
 * failures are left to the answer's stream, where the caller's pipe sees them.
 */
export async function upstreamAnswer(upstream: ClientRequest): Promise<IncomingMessage> {
  const answer = await new Promise<IncomingMessage>((resolve, reject) => {
    upstream.once('response', resolve);
    upstream.once('error', reject);
  });
  upstream.on('error', () => {});
  return answer;
}

export interface ProxyHooks {
  /** Called as request body bytes pass through, with the running total. */
  readonly onBytes?: (total: number) => void;
  /** The node's status and, for answers ≥ 400, its (small) body; not called when the node never answered. */
  readonly onAnswer?: (status: number, errorBody: string | null) => void;
  /** The node could not be reached, or a side hung up mid-transfer. */
  readonly onFailure?: (reason: string, cancelledByClient: boolean) => void;
}

/** Where a passthrough request goes: asked again, with the nodes that failed it, after a failure. */
export type PickTarget = (failed: ReadonlySet<number>) => Promise<NodeTarget>;

/** A node route to send a dashboard request to, and how to reach that node (its cluster's CA and credentials). */
export interface NodeTarget {
  readonly nodeId: number;
  readonly url: URL;
  readonly access: NodeAccess;
}

export interface ProxyOptions extends ProxyHooks {
  /**
   * A file write, which the node applies once per request id: it may be sent again, same id, to
   * another node when its node died with it or answered "not now" (503, 421).
   */
  readonly resendable?: boolean;
}

/** How often one request is sent on again after a node failed it. */
const MAX_ATTEMPTS = 5;

/** What became of one attempt: answered (or failed for good), or to be sent to another node. */
type Attempt = 'handled' | 'refused' | 'outcome_unknown';

/**
 * Streams the request to the node `pick` names. A node that refuses the connection (it just died;
 * the last health probe still found it up) got none of the body, so another one is picked; a
 * resendable write whose node failed after taking it goes to another node under the same request
 * id. The request rides through a kill. With no node to go to, `pick` waits, then answers 503.
 */
export async function proxyToNode(req: IncomingMessage, res: ServerResponse, pick: PickTarget, method: string, options: ProxyOptions = {}): Promise<void> {
  if (options.resendable) req.headers[REQUEST_ID_HEADER] ??= randomUUID();
  let total = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      options.onBytes?.(total);
      done(null, chunk);
    },
  });
  req.pipe(counted);
  const body = new ResendableBody(counted, options.resendable ? RESEND_KEEP_BYTES : 0);
  const failed = new Set<number>();
  for (let attempt = 1; ; attempt++) {
    let target: NodeTarget;
    try {
      target = await pick(failed);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      options.onFailure?.(err.detail, false);
      if (err.status === 503) res.setHeader('Retry-After', '1');
      sendError(res, err.code, err.detail);
      return;
    }
    const again = attempt < MAX_ATTEMPTS;
    const outcome = await proxyOnce(req, res, target, method, { ...options, body, resendable: again && options.resendable === true });
    if (outcome === 'handled' || (outcome === 'refused' && !again)) return;
    failed.add(target.nodeId);
  }
}

/** One attempt at `target`. */
async function proxyOnce(req: IncomingMessage, res: ServerResponse, node: NodeTarget, method: string, options: ProxyOptions & { body: ResendableBody }): Promise<Attempt> {
  const { body } = options;
  const target = node.url;
  // Attached nodes may sit behind TLS (verified against their profile's CA); local nodes are plain HTTP on loopback.
  const upstream = node.access.request(target, { method, headers: forwardable(req.headers) });
  // The body flows only once the node took the connection, so a refusal leaves it for the next.
  let sending = false;
  upstream.on('socket', (socket) => {
    const start = (): void => {
      sending = true;
      body.sendTo(upstream);
    };
    if (socket.connecting) socket.once('connect', start);
    else start();
  });
  let clientGone = false;
  const onClose = (): void => {
    if (!res.writableFinished) {
      clientGone = true;
      upstream.destroy(new Error('the dashboard hung up'));
    }
  };
  res.on('close', onClose);
  const sendElsewhere = (): boolean => {
    if (clientGone || !options.resendable || !body.resendable) return false;
    res.off('close', onClose);
    body.detach();
    upstream.destroy();
    return true;
  };

  let answer: IncomingMessage;
  try {
    answer = await upstreamAnswer(upstream);
  } catch (err) {
    if (!sending && !clientGone) {
      res.off('close', onClose);
      return 'refused';
    }
    if (sendElsewhere()) return 'outcome_unknown';
    const reason = `node at ${target.host} did not answer ${method} ${target.pathname}: ${(err as Error).message}`;
    body.dropRest(Number.POSITIVE_INFINITY);
    options.onFailure?.(reason, clientGone);
    if (!clientGone) sendError(res, 'unavailable', reason);
    return 'handled';
  }
  const status = answer.statusCode ?? 502;
  if ((status === 503 || status === 421) && sendElsewhere()) {
    answer.resume();
    return 'outcome_unknown';
  }
  await relayAnswer(res, answer, target, options, clientGone);
  return 'handled';
}

/** Passes the node's answer on: error bodies whole (the hooks see them), others streamed. */
async function relayAnswer(res: ServerResponse, answer: IncomingMessage, target: URL, options: ProxyOptions & { body: ResendableBody }, clientGone: boolean): Promise<void> {
  const status = answer.statusCode ?? 502;
  const headers = forwardable(answer.headers);
  if (status >= 400) {
    // A node may answer (e.g. 413, 507) before reading the whole body: the rest is drained here
    // rather than destroying the client's socket before it got the answer.
    options.body.dropRest(Number.POSITIVE_INFINITY);
    const chunks: Buffer[] = [];
    for await (const chunk of answer) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks);
    options.onAnswer?.(status, text.toString('utf8').slice(0, 4096));
    res.writeHead(status, { ...headers, 'content-length': text.length });
    res.end(text);
    return;
  }
  res.writeHead(status, headers);
  try {
    await pipeline(answer, res);
  } catch (err) {
    options.onFailure?.(`transfer from node at ${target.host} broke off: ${(err as Error).message}`, clientGone);
    return;
  }
  options.onAnswer?.(status, null);
}
