// Writes must reach the leader. On a follower, a write is streamed to the leader unchanged, or —
// with `?redirect` — answered with 307 and the leader's URL so the client goes there itself.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from '../common/errors';
import { sendError } from './errors';
import { forwardRequest, wasForwarded } from './forward';
import type { NodeServices } from '../ports';

export function leaderOnly(services: NodeServices): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const view = services.leader();
    if (view.isLeader) {
      next();
      return;
    }
    if (!view.leaderUrl || wasForwarded(req)) {
      const detail = view.leaderId
        ? `node ${services.id} is not the leader and cannot reach node ${view.leaderId}'s API yet; retry shortly`
        : 'no leader is elected right now (no quorum?); retry shortly';
      res.setHeader('Retry-After', '1');
      sendError(res, new ApiError(view.leaderId ? 'not_leader' : 'no_quorum', detail), { leaderId: view.leaderId, leaderUrl: view.leaderUrl });
      return;
    }
    if (req.query.redirect !== undefined) {
      res.redirect(307, new URL(req.originalUrl, view.leaderUrl).toString());
      return;
    }
    forwardRequest(req, res, view.leaderUrl, services.id);
  };
}
