// A request body that stops arriving is cut after the node's `bodyIdleTimeoutMs` with 408, instead
// of holding an upload (its temp file, its disk reservation, its slot on the leader) open until
// Node's overall request timeout minutes later; so is one trickled too slowly to count as arriving
// (common/body-progress.ts). Only the body is timed: once it has ended, a slow answer (a big
// download to a slow reader) is none of this timer's business.
import type { RequestHandler } from 'express';
import { BODY_PROGRESS_BYTES, watchBodyProgress } from '../common/body-progress';
import { ApiError } from '../common/errors';

export class BodyIdleTimeoutError extends Error {
  constructor(readonly idleMs: number) {
    super(`less than ${BODY_PROGRESS_BYTES} bytes of the request body arrived in ${idleMs} ms (setting bodyIdleTimeoutMs)`);
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
    const onStall = (): void => {
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
    // Node detaches the socket from the request once answered: keep our own reference. Its byte
    // count stops while the body is held unread (backpressure, a wait for the leader), as a
    // socket idle timer would.
    const socket = req.socket;
    const stop = watchBodyProgress(() => socket.bytesRead, ms, onStall);
    req.once('end', stop);
    res.once('close', stop);
    next();
  };
}
