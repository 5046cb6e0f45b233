// Forwards a dashboard request to a node and streams the answer back, bodies in both directions
// streamed (constant memory). Our credentials (token, cookie) never travel on to the node; the
// node's own (its cluster's client token) are added by the cluster's NodeAccess, for its nodes only.
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sendError } from './http-util';
import type { NodeTarget } from './route-params';

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

export async function proxyToNode(req: IncomingMessage, res: ServerResponse, node: NodeTarget, method: string, hooks: ProxyHooks = {}): Promise<void> {
  const target = node.url;
  // Attached nodes may sit behind TLS (verified against their profile's CA); local nodes are plain HTTP on loopback.
  const upstream = node.access.request(target, { method, headers: forwardable(req.headers) });
  let total = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      hooks.onBytes?.(total);
      done(null, chunk);
    },
  });
  req.pipe(counter).pipe(upstream);
  // A node may answer (e.g. 413, 507) before reading the whole body: then the rest is drained
  // here rather than destroying the client's socket before it got the answer.
  const stopSending = (): void => {
    req.unpipe(counter);
    req.resume();
  };
  let clientGone = false;
  res.on('close', () => {
    if (!res.writableFinished) {
      clientGone = true;
      upstream.destroy(new Error('the dashboard hung up'));
    }
  });

  let answer: IncomingMessage;
  try {
    answer = await upstreamAnswer(upstream);
  } catch (err) {
    const reason = `node at ${target.host} did not answer ${method} ${target.pathname}: ${(err as Error).message}`;
    stopSending();
    hooks.onFailure?.(reason, clientGone);
    if (!clientGone) sendError(res, 'unavailable', reason);
    return;
  }
  const status = answer.statusCode ?? 502;
  const headers = forwardable(answer.headers);
  if (status >= 400) {
    stopSending();
    const chunks: Buffer[] = [];
    for await (const chunk of answer) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    hooks.onAnswer?.(status, body.toString('utf8').slice(0, 4096));
    res.writeHead(status, { ...headers, 'content-length': body.length });
    res.end(body);
    return;
  }
  res.writeHead(status, headers);
  try {
    await pipeline(answer, res);
  } catch (err) {
    hooks.onFailure?.(`transfer from node at ${target.host} broke off: ${(err as Error).message}`, clientGone);
    return;
  }
  hooks.onAnswer?.(status, null);
}
