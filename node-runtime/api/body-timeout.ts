// A request body that stops arriving is cut after the node's `bodyIdleTimeoutMs` with 408, instead
// of holding an upload (its temp file, its disk reservation, its slot on the leader) open until
// Node's overall request timeout minutes later. Only the body is timed: once it has ended, a slow
// answer (a big download to a slow reader) is none of this timer's business.
import type { RequestHandler } from 'express';
import { ApiError } from '../common/errors';

export class BodyIdleTimeoutError extends Error {
  constructor(readonly idleMs: number) {
    super(`no byte of the request body arrived for ${idleMs} ms`);
    this.name = 'BodyIdleTimeoutError';
  }
}

export function bodyIdleTimeout(idleMs: () => number): RequestHandler {
  return (req, res, next) => {
    if (req.complete) {
      next();
      return;
    }
    const ms = idleMs();
    const onTimeout = (): void => {
      if (req.complete) return;
      const answer = new ApiError('body_timeout', `${new BodyIdleTimeoutError(ms).message}; the upload was cut, nothing was stored`);
      if (!res.headersSent) res.status(answer.status).setHeader('connection', 'close').json(answer.toBody());
      // The answer must leave before the socket goes: the request is failed only once it has,
      // and that failure then runs through the route's own stream error path (nothing stored).
      const fail = (): void => {
        req.destroy(new BodyIdleTimeoutError(ms));
      };
      if (res.writableFinished) fail();
      else res.once('finish', fail).once('close', fail);
    };
    // Node detaches the socket from the request once answered: keep our own reference.
    const socket = req.socket;
    req.setTimeout(ms, onTimeout);
    const stop = (): void => {
      req.off('timeout', onTimeout);
      // The socket outlives the request on keep-alive connections: leave it untimed again, unless
      // the next request on it has set its own timeout meanwhile.
      if (!socket.destroyed && socket.timeout === ms) socket.setTimeout(0);
    };
    req.once('end', stop);
    res.once('close', stop);
    next();
  };
}
