// Turns anything a route throws into `{ "error": code, "detail": text }` with the right status.
// Stack traces never leave the process; unexpected errors are logged here, once, with context.
import { inspect } from 'node:util';
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ApiError } from '../common/errors';
import { BodyIdleTimeoutError } from './body-timeout';
import { NotLeaderError, ProposalDroppedError, ProposalTimeoutError } from '../node/raft-driver';

export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof NotLeaderError) return new ApiError('not_leader', err.message);
  if (err instanceof ProposalTimeoutError) return new ApiError('no_quorum', err.message);
  if (err instanceof ProposalDroppedError) return new ApiError('unavailable', `${err.message}; retry`);
  if (err instanceof BodyIdleTimeoutError) return new ApiError('body_timeout', err.message);
  // Express fails to decode a percent-encoded path parameter (%ff, %c0%af, a lone surrogate) with
  // a URIError; that is the client's malformed URL, not the node's failure.
  if (err instanceof URIError) return new ApiError('bad_request', 'the URL has invalid percent-encoding (not UTF-8)');
  // Anything may be thrown, null and strings included; only objects can carry a status.
  if (typeof err !== 'object' || err === null) return null;
  const status = (err as { status?: unknown }).status;
  const type = (err as { type?: unknown }).type;
  // body-parser's errors carry a status and a type; their messages are safe to show.
  if (typeof status === 'number' && status >= 400 && status < 500 && typeof type === 'string') {
    if (type === 'entity.too.large') return new ApiError('bad_request', 'request body too large');
    return new ApiError('bad_request', (err as Error).message);
  }
  return null;
}

export function sendError(res: Response, err: ApiError, extra?: Record<string, unknown>): void {
  // Already answered (e.g. 408 for a stalled body, whose upload then fails too): keep that answer.
  if (res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // 503 means "not now" (no leader, no quorum, the leader unreachable): say when to try again.
  if (err.status === 503 && !res.hasHeader('retry-after')) res.setHeader('Retry-After', '1');
  res.status(err.status).json({ ...err.toBody(), ...extra });
}

/**
 * The last handler of the app. Whatever reaches it, the client gets `{ error, detail }` and never
 * a stack (Express's own final handler would print one into the body), the process keeps
 * serving, and an unexpected error is logged exactly once, here.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const apiError = toApiError(err);
    if (apiError) {
      sendError(res, apiError, (err as { extra?: Record<string, unknown> }).extra);
      return;
    }
    // A client that hung up mid-body fails its route's streams; that is no failure of the node.
    if (req.destroyed && !req.complete) {
      logger.info({ method: req.method, path: req.path }, 'the client went away before its request body ended');
      sendError(res, new ApiError('bad_request', 'the request body ended early'));
      return;
    }
    // inspect, not String(): a thrown object without a prototype has no toString, and this
    // handler must not throw (Express's fallback would put a stack into the body).
    logger.error({ err: err instanceof Error ? err : { thrown: inspect(err, { depth: 2 }) }, method: req.method, path: req.path }, 'request failed');
    sendError(res, new ApiError('internal', 'the node failed to handle this request; see its log'));
  };
}
