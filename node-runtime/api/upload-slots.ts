// A bound on the uploads one node takes at once (its maxConcurrentUploads setting): each holds a
// socket, a temp file and, on the leader, a share of the disk and replication bandwidth. A write
// past the bound is answered 429 at once, before a byte of its body is read.
import type { RequestHandler } from 'express';
import { ApiError } from '../common/errors';
import { sendError } from './errors';

export function uploadSlots(max: () => number): RequestHandler {
  let inFlight = 0;
  return (_req, res, next) => {
    const limit = max();
    if (inFlight >= limit) {
      res.setHeader('retry-after', '1');
      sendError(res, new ApiError('too_many_uploads', `this node already takes ${limit} uploads at once (setting maxConcurrentUploads); retry shortly`));
      return;
    }
    inFlight++;
    // 'close' fires once for every response, answered or cut off, so the slot is always returned.
    res.once('close', () => inFlight--);
    next();
  };
}
