// Streams a request to the leader and its answer back, byte for byte, without buffering: a
// follower accepts writes "transparently" this way (DESIGN.md, write path).
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { ApiError } from '../common/errors';
import { FORWARDED_HEADER, type NodeApiRequest } from '../ports';
import { sendError } from './errors';


const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);

export function wasForwarded(req: Request): boolean {
  return req.headers[FORWARDED_HEADER] !== undefined;
}

/** How much of a body the leader did not want is read and dropped before the connection is cut. */
const DROP_LIMIT_BYTES = 1024 * 1024;

/**
 * The leader answered before taking the whole body (e.g. 400 for a bad name, 507 over quota).
 * Closing the socket now would reset a client still sending, so it would see EPIPE instead of the
 * answer; a modest rest is read and dropped (the connection then carries the next request), a
 * large one is cut.
 */
function dropRestOfBody(req: Request, upstream: http.ClientRequest): void {
  req.unpipe(upstream);
  upstream.destroy();
  let dropped = 0;
  req.on('data', (piece: Buffer) => {
    dropped += piece.length;
    if (dropped > DROP_LIMIT_BYTES) req.destroy();
  });
  req.resume();
}

/**
 * Streams the request to the leader at `leaderUrl`. The body starts flowing only once the
 * connection to the leader is open: if it cannot be opened (the leader's process just died and
 * this node has not heard yet), nothing of the request reached any leader and not a byte of the
 * body was read, so `onUnreached` may route it again (the node then waits for the new leader).
 * Without `onUnreached`, or once the body flows, a failure answers 503: the outcome is unknown.
 */
export function forwardRequest(req: Request, res: Response, leader: { url: string; selfId: number; request: NodeApiRequest }, onUnreached?: (err: Error) => void): void {
  const { url: leaderUrl, selfId } = leader;
  const target = new URL(req.originalUrl, leaderUrl);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (!hopByHop.has(key) && value !== undefined) headers[key] = value;
  }
  headers[FORWARDED_HEADER] = String(selfId);
  // A new connection each time (NodeApiRequest), not a kept-alive one: a kept-alive socket to a
  // leader that just died fails only once the request is on it, when nobody can tell whether the
  // leader took it; a new connection to a dead process is refused before anything is sent, and
  // the request can go to the next leader.
  const upstream = leader.request(target, { method: req.method, headers }, (answer) => {
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
    res.writeHead(answer.statusCode ?? 502, out);
    // pipeline, not pipe: a leader that drops mid-answer must cut the client's response too.
    pipeline(answer, res).then(
      () => {
        if (!req.complete) dropRestOfBody(req, upstream);
      },
      () => res.destroy(),
    );
  });
  let flowing = false;
  const startBody = (): void => {
    flowing = true;
    req.pipe(upstream);
  };
  upstream.on('socket', (socket) => {
    if (socket.connecting) socket.once('connect', startBody);
    else startBody();
  });
  upstream.on('error', (err) => {
    if (!flowing && onUnreached && !res.headersSent) onUnreached(err);
    else sendError(res, new ApiError('unavailable', `could not reach the leader at ${leaderUrl}: ${err.message}`));
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
}
