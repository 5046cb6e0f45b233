// Streams a request to the leader and its answer back, byte for byte: a follower accepts writes
// "transparently" this way (DESIGN.md, write path). The body is not buffered, only a bounded copy
// is kept (ResendableBody) for a write that may have to be sent to the next leader.
import type http from 'node:http';
import { finished } from 'node:stream';
import type { Request, Response } from 'express';
import { REQUEST_ID_HEADER } from '../common/api-types';
import { ApiError } from '../common/errors';
import { FORWARDED_HEADER, type NodeApiRequest } from '../ports';
import { sendError } from './errors';
import type { ResendableBody } from '../common/resendable-body';

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);

export function wasForwarded(req: Request): boolean {
  return req.headers[FORWARDED_HEADER] !== undefined;
}

/** How much of a body the leader did not want is read and dropped before the connection is cut. */
const DROP_LIMIT_BYTES = 1024 * 1024;

export interface ForwardOptions {
  readonly leaderUrl: string;
  readonly selfId: number;
  /**
   * Sends to the leader. A kept-alive socket to a leader that just died fails only once the request
   * is on it; a new connection to a dead process is refused before anything is sent, and the
   * request can go to the next leader untouched. So a connection is reused only for a small write
   * that can be sent again under its request id (`onOutcomeUnknown`): that failure costs a resend,
   * and a new TCP connection per small write costs more than the write (issue #11).
   */
  readonly request: NodeApiRequest;
  /** The request's body; the same one for every attempt of this request. */
  readonly body: ResendableBody;
  /**
   * The connection to the leader could not be opened (its process just died and this node has
   * not heard yet): nothing reached any leader, so the request may be routed again.
   */
  readonly onUnreached?: (err: Error) => void;
  /**
   * The request reached a leader that then failed (its connection broke before an answer) or
   * answered "not now" (503, or 421: it is no longer the leader), so its outcome is unknown. Only
   * for writes that carry a request id, whose resend is answered with the first outcome, if any.
   * `leaderAnswered`: the leader is alive and said no (route around it); else its connection
   * broke, which a reused socket's may do under a live leader too (a dead one refuses the next).
   */
  readonly onOutcomeUnknown?: (why: string, leaderAnswered: boolean) => void;
}

/** Bodies up to this, declared by Content-Length, may go on a kept-alive connection. */
const SMALL_BODY_BYTES = 1024 * 1024;

/** No body, or one whose declared length is small (a streamed body of unknown length is not). */
function isSmallBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length === undefined) return req.headers['transfer-encoding'] === undefined;
  return /^\d+$/.test(length) && Number(length) <= SMALL_BODY_BYTES;
}

/** A leader's answer that means "not taken here, now": the write may have applied or not. */
function isNotNow(status: number | undefined): boolean {
  return status === 503 || status === 421;
}

/**
 * Streams the request to the leader at `leaderUrl`. The body starts flowing only once the
 * connection to the leader is open, so a refused connection leaves it unread for `onUnreached`.
 * A failure after that goes to `onOutcomeUnknown` while the body can still be sent again; without
 * it, it answers 503: the outcome is unknown.
 */
export function forwardRequest(req: Request, res: Response, options: ForwardOptions): void {
  const { leaderUrl, selfId, body, onUnreached, onOutcomeUnknown } = options;
  const target = new URL(req.originalUrl, leaderUrl);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (!hopByHop.has(key) && value !== undefined) headers[key] = value;
  }
  headers[FORWARDED_HEADER] = String(selfId);
  // Once this attempt has handed the request on (to the client's answer or to a resend), later
  // events of its dying connection change nothing.
  let settled = false;
  const upstream = options.request(target, { method: req.method, headers }, (answer) => onAnswer(answer), onOutcomeUnknown !== undefined && isSmallBody(req));
  // A client gone away ends this attempt; a request routed again (up to 8 times) keeps one such
  // listener, the current attempt's, on its response.
  const onClientGone = (): void => {
    if (!res.writableFinished) upstream.destroy();
  };
  res.on('close', onClientGone);
  const resend = (why: string, leaderAnswered: boolean): boolean => {
    if (settled || !onOutcomeUnknown || !body.resendable || res.headersSent) return false;
    settled = true;
    res.off('close', onClientGone);
    body.detach();
    upstream.destroy();
    onOutcomeUnknown(why, leaderAnswered);
    return true;
  };
  function onAnswer(answer: http.IncomingMessage): void {
    // This node may have answered already (408 for a stalled body): the leader's answer has
    // nowhere to go, and writing a second head would throw out of this event and end the node.
    if (settled || res.headersSent || res.destroyed) {
      answer.resume();
      return;
    }
    if (isNotNow(answer.statusCode) && resend(`the leader answered ${answer.statusCode}`, true)) {
      answer.resume();
      return;
    }
    settled = true;
    const out: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(answer.headers)) {
      if (!hopByHop.has(key) && value !== undefined) out[key] = value;
    }
    res.writeHead(answer.statusCode ?? 502, out);
    // A leader that drops mid-answer must cut the client's response too (a client that leaves
    // destroys `upstream`: onClientGone). As stream.pipeline would, without the AbortController it
    // makes and aborts, building a DOMException, on every forwarded request.
    answer.pipe(res);
    finished(answer, (err) => {
      if (err) res.destroy();
      else if (!req.complete) {
        body.dropRest(DROP_LIMIT_BYTES);
        upstream.destroy();
      }
    });
  }
  let flowing = false;
  const startBody = (): void => {
    flowing = true;
    body.sendTo(upstream);
  };
  upstream.on('socket', (socket) => {
    if (socket.connecting) socket.once('connect', startBody);
    else startBody();
  });
  upstream.on('error', (err) => {
    if (settled) return;
    if (!flowing && onUnreached && !res.headersSent) {
      settled = true;
      res.off('close', onClientGone);
      onUnreached(err);
    } else if (!resend(err.message, false)) {
      settled = true;
      // With its request id, the client can retry the write and have it apply once.
      const requestId = req.headers[REQUEST_ID_HEADER];
      sendError(res, new ApiError('unavailable', `could not reach the leader at ${leaderUrl}: ${err.message}`), typeof requestId === 'string' ? { requestId } : undefined);
    }
  });
}
