// Writes must reach the leader. On a follower, a write is streamed to the leader unchanged, or —
// with `?redirect` — answered with 307 and the leader's URL so the client goes there itself.
// During an election there is no leader to reach: the write waits for one (the leaderWaitMs
// setting, 10 s by default) and only then, if none came, is answered 503 with Retry-After. Its
// body is not read while it waits, so nothing is lost or half-sent.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from '../common/errors';
import { sendError } from './errors';
import { forwardRequest, wasForwarded } from './forward';
import type { NodeServices } from '../ports';

/** How often a write is routed again after its leader refused the connection (each a new election). */
const MAX_REROUTES = 3;

export function leaderOnly(services: NodeServices): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const view = services.leader();
    if (view.isLeader) {
      next();
      return;
    }
    // A write another node forwarded here must not travel on (no loops); when no leader is known
    // yet this node may be about to win the election, so it waits like any other.
    if (view.leaderUrl !== null && wasForwarded(req)) {
      refuse(res, services.id, view);
      return;
    }
    const route = (attempt: number, unreachable: string | null): void => {
      void services.awaitLeader(unreachable).then((current) => {
        if (res.headersSent || res.destroyed) return;
        if (current.isLeader) next();
        else if (current.leaderUrl === null || current.leaderUrl === unreachable || current.leaderId === services.id || wasForwarded(req)) refuse(res, services.id, current);
        else if (req.query.redirect !== undefined) res.redirect(307, new URL(req.originalUrl, current.leaderUrl).toString());
        else {
          const leaderUrl = current.leaderUrl;
          // A leader that refuses the connection has died: its request never started, route it again.
          const retry = attempt < MAX_REROUTES ? () => route(attempt + 1, leaderUrl) : undefined;
          forwardRequest(req, res, { url: leaderUrl, selfId: services.id, request: services.requestNode }, retry);
        }
      }, next);
    };
    route(0, null);
  };
}

function refuse(res: Response, selfId: number, view: ReturnType<NodeServices['leader']>): void {
  const detail = view.leaderId
    ? `node ${selfId} is not the leader and cannot reach node ${view.leaderId}'s API yet; retry shortly`
    : 'no leader was elected within the wait for one (no quorum?); retry shortly';
  sendError(res, new ApiError(view.leaderId ? 'not_leader' : 'no_quorum', detail), { leaderId: view.leaderId, leaderUrl: view.leaderUrl });
}
