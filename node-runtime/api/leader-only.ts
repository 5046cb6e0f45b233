// Writes must reach the leader. On a follower, a write is streamed to the leader unchanged, or —
// with `?redirect` — answered with 307 and the leader's URL so the client goes there itself. A
// small file's raw body is the exception: the follower writes it itself and relays its Raft entry
// to the leader as a proposal (relaySmallFiles, services/proposal-relay.ts).
// During an election there is no leader to reach: the write waits for one (the leaderWaitMs
// setting, 10 s by default) and only then, if none came, is answered 503 with Retry-After. Its
// body is not read while it waits, so nothing is lost or half-sent.
//
// A file write also rides through the death of the leader it was forwarded to: it carries a
// request id (the client's Idempotency-Key, or one made here), so it is sent again, same id, to
// the next leader, and the state machine answers a repeat with the first outcome. The client
// sees one success, and the write takes effect once.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { REQUEST_ID_HEADER } from '../common/api-types';
import { RESEND_KEEP_BYTES, ResendableBody } from '../common/resendable-body';
import { ApiError } from '../common/errors';
import { sendError } from './errors';
import { forwardRequest, wasForwarded } from './forward';
import type { LeaderView, NodeServices } from '../ports';

/**
 * How often a write is routed again after its leader refused it or failed with it. One leader's
 * death can take two (its broken connection, then its refusal), and a wait can span two kills.
 */
const MAX_REROUTES = 8;

export interface LeaderOnlyOptions {
  /** The route's writes apply their request id (file writes): a forwarded one may be resent. */
  readonly requestIds?: boolean;
  /**
   * The route writes a raw body as a file: a small one (FileService.relayable) is written by this
   * follower itself, its entry relayed to the leader through Raft (services/proposal-relay.ts),
   * with `res.locals.relayed` set and a request id; anything else is forwarded.
   */
  readonly relaySmallFiles?: boolean;
}

/** Set on `res.locals` when this follower writes the request itself, relaying its entry to the leader. */
export const RELAYED = 'relayed';

export function leaderOnly(services: NodeServices, options: LeaderOnlyOptions = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const view = services.leader();
    if (view.isLeader) {
      next();
      return;
    }
    // A write another node forwarded here must not travel on (no loops); when no leader is known
    // yet this node may be about to win the election, and when it is handing its leadership over
    // it may keep it (the transfer given up), so it waits like any other.
    if (view.leaderUrl !== null && view.leaderId !== services.id && wasForwarded(req)) {
      refuse(res, services.id, view);
      return;
    }
    routeToLeader(services, req, res, next, options);
  };
}

/** A small file's raw body, sent to this follower by a client (not forwarded, not to be redirected). */
function relayable(services: NodeServices, req: Request): boolean {
  if (req.query.redirect !== undefined || wasForwarded(req)) return false;
  const length = req.headers['content-length'];
  return length !== undefined && /^\d+$/.test(length) && services.files.relayable(Number(length));
}

/** Waits for a leader and hands the request to it: here, by redirect, or forwarded (again, if it failed). */
function routeToLeader(services: NodeServices, req: Request, res: Response, next: NextFunction, options: LeaderOnlyOptions): void {
  const requestIds = options.requestIds === true;
  // Made at the first forward: until then the body is unread, and this node may serve it itself.
  let body: ResendableBody | null = null;
  let outcomeUnknown = false;
  const route = (attempt: number, unreachable: string | null): void => {
    void services.awaitLeader(unreachable).then((current) => {
      if (res.headersSent || res.destroyed) return;
      if (current.isLeader && body === null) next();
      else if (options.relaySmallFiles === true && body === null && current.leaderId !== null && current.leaderId !== services.id && relayable(services, req)) {
        req.headers[REQUEST_ID_HEADER] ??= randomUUID();
        res.locals[RELAYED] = true;
        next();
      } else if (current.leaderUrl === null || current.leaderUrl === unreachable || (current.leaderId === services.id && !current.isLeader) || wasForwarded(req)) {
        refuse(res, services.id, current, outcomeUnknown ? requestIdOf(req) : undefined);
      } else if (req.query.redirect !== undefined && body === null) res.redirect(307, new URL(req.originalUrl, current.leaderUrl).toString());
      else {
        // Sent again once this node leads, the body already read: forwarded to itself, as to any leader.
        const leaderUrl = current.leaderUrl;
        if (requestIds) req.headers[REQUEST_ID_HEADER] ??= randomUUID();
        body ??= new ResendableBody(req, requestIds ? RESEND_KEEP_BYTES : 0);
        const more = attempt < MAX_REROUTES;
        forwardRequest(req, res, {
          leaderUrl,
          selfId: services.id,
          request: services.requestNode,
          body,
          onUnreached: more ? () => route(attempt + 1, leaderUrl) : undefined,
          onOutcomeUnknown:
            requestIds && more
              ? (_why, leaderAnswered) => {
                  outcomeUnknown = true;
                  route(attempt + 1, leaderAnswered ? leaderUrl : null);
                }
              : undefined,
        });
      }
    }, next);
  };
  route(0, null);
}

function requestIdOf(req: Request): string | undefined {
  const id = req.headers[REQUEST_ID_HEADER];
  return typeof id === 'string' ? id : undefined;
}

/** No leader to take the request. `requestId`: it reached a leader that failed, outcome unknown. */
function refuse(res: Response, selfId: number, view: LeaderView, requestId?: string): void {
  let detail = view.leaderId
    ? `node ${selfId} is not the leader and cannot reach node ${view.leaderId}'s API yet; retry shortly`
    : 'no leader was elected within the wait for one (no quorum?); retry shortly';
  if (requestId !== undefined) detail += `. The write reached a leader that failed, so it may have applied: retry it with the header Idempotency-Key: ${requestId} to have it apply once`;
  sendError(res, new ApiError(view.leaderId ? 'not_leader' : 'no_quorum', detail), { leaderId: view.leaderId, leaderUrl: view.leaderUrl, ...(requestId !== undefined && { requestId }) });
}
