// Streams a request to the leader and its answer back, byte for byte, without buffering: a
// follower accepts writes "transparently" this way (DESIGN.md, write path).
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { ApiError } from '../common/errors';
import { sendError } from './errors';

/** Marks a forwarded request: a node that receives one while not leader answers instead of forwarding again (no loops). */
export const FORWARDED_HEADER = 'x-dfs-forwarded-by';

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);

export function wasForwarded(req: Request): boolean {
  return req.headers[FORWARDED_HEADER] !== undefined;
}

export function forwardRequest(req: Request, res: Response, leaderUrl: string, selfId: number): void {
  const target = new URL(req.originalUrl, leaderUrl);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (!hopByHop.has(key) && value !== undefined) headers[key] = value;
  }
  headers[FORWARDED_HEADER] = String(selfId);
  const upstream = http.request(target, { method: req.method, headers }, (answer) => {
    // This node may have answered already (408 for a stalled body): the leader's answer has
    // nowhere to go, and writing a second head would throw out of this event and end the node.
    if (res.headersSent || res.destroyed) {
      answer.resume();
      return;
    }
    const out: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(answer.headers)) {
      if (!hopByHop.has(key) && value !== undefined) out[key] = value;
    }
    // The leader answered before taking the whole body (e.g. 507 over quota): the rest of the
    // client's body is still in this connection, so it cannot carry another request.
    if (!req.complete) out.connection = 'close';
    res.writeHead(answer.statusCode ?? 502, out);
    // pipeline, not pipe: a leader that drops mid-answer must cut the client's response too.
    pipeline(answer, res).then(
      () => {
        if (!req.complete) req.destroy();
      },
      () => res.destroy(),
    );
  });
  upstream.on('error', (err) => {
    sendError(res, new ApiError('unavailable', `could not reach the leader at ${leaderUrl}: ${err.message}`));
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
