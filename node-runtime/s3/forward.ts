// A write that reaches a follower is streamed to the leader's S3 endpoint unchanged — Host header
// included, so the leader checks the client's own signature — and the answer streams back. No
// buffering, as for the node API's forwarding (api/forward.ts).
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { FORWARDED_HEADER } from '../ports';
import type { S3Request } from './s3-request';
import { S3Error } from './s3-errors';

/** One request to another node's port, over HTTPS against the cluster's CA when the URL says so. */
export type RequestNode = (url: URL, options: http.RequestOptions, onResponse: (answer: http.IncomingMessage) => void) => http.ClientRequest;

export interface LeaderEndpoint {
  /** The leader's S3 base URL; null when no leader is known or it serves no S3. */
  url(): Promise<string | null>;
  readonly selfId: number;
  readonly request: RequestNode;
}

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** The leader refused the connection (a dead process): nothing of the request reached it. */
export class LeaderRefusedError extends S3Error {}

export async function forwardToLeader(s3: S3Request, leader: LeaderEndpoint): Promise<void> {
  if (s3.header(FORWARDED_HEADER) !== undefined) {
    throw new S3Error('ServiceUnavailable', 'This node was sent the request as the leader but is not the leader any more; retry.');
  }
  const url = await leader.url();
  if (url === null) throw new S3Error('ServiceUnavailable', 'No leader with an S3 endpoint is known right now (election under way?); retry.');
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, values] of s3.signable.headers) {
    if (!hopByHop.has(name)) headers[name] = values.length === 1 ? values[0] : [...values];
  }
  headers[FORWARDED_HEADER] = String(leader.selfId);
  // Node's parser already took a chunked framing apart; the body goes on chunked again.
  if (headers['content-length'] === undefined) headers['transfer-encoding'] = 'chunked';
  await new Promise<void>((resolve, reject) => {
    const upstream = leader.request(new URL(s3.req.url ?? '/', url), { method: s3.method, headers }, (answer) => {
      s3.res.writeHead(answer.statusCode ?? 502, Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !hopByHop.has(k))) as http.OutgoingHttpHeaders);
      pipeline(answer, s3.res).then(resolve, () => {
        s3.res.destroy();
        resolve();
      });
    });
    let piped = false;
    // The body flows only once the leader took the connection: a refused one leaves it unread,
    // so the write can go to the next leader whole.
    const pipeBody = () => {
      piped = true;
      s3.req.pipe(upstream);
    };
    upstream.on('socket', (socket) => (socket.connecting ? socket.once('connect', pipeBody) : pipeBody()));
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      const detail = `Could not reach the leader's S3 endpoint: ${err.message}`;
      reject(!piped && err.code === 'ECONNREFUSED' ? new LeaderRefusedError('ServiceUnavailable', detail) : new S3Error('ServiceUnavailable', detail));
    });
    s3.res.on('close', () => {
      if (!s3.res.writableFinished) upstream.destroy();
    });
  });
}
