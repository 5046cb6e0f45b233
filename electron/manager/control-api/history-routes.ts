// The cluster's history: the journal (everything published, for replay) and the charts' last
// hour. Both stream their files line by line, so an answer costs what it returns, not what is kept.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ApiError } from '../../../node-runtime/common/errors';
import { jsonArrayOf, thinnedTail } from '../cluster-view/journal-lines';
import type { ControlContext } from './control-api';
import { apiRoute, methodNotAllowed, ROUTER_OPTIONS, sendJsonText } from './http-util';
import { requestUrl } from './route-params';

export function historyRoutes(ctx: ControlContext): Router {
  const router = Router(ROUTER_OPTIONS);
  apiRoute(router, '/journal').get(async (req, res) => journal(ctx, req, res)).all(methodNotAllowed);
  apiRoute(router, '/chart-history').get(async (req, res) => chartHistory(ctx, req, res)).all(methodNotAllowed);
  return router;
}

/** Most records one request returns (the newest of the range). */
const MAX_JOURNAL_RECORDS = 20_000;

const JOURNAL_NAMES = ['snapshot', 'nodeEvent', 'leaderChange'] as const;

const epochMs = z.coerce.number().int().min(0);

const journalQuery = z.object({
  since: epochMs,
  until: epochMs.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_JOURNAL_RECORDS).optional(),
  names: z.string().transform((v) => v.split(',')).pipe(z.array(z.enum(JOURNAL_NAMES))).optional(),
  every: z.coerce.number().int().min(0).optional(),
});

async function journal(ctx: ControlContext, req: Request, res: Response): Promise<void> {
  if (ctx.journal === null) throw new ApiError('conflict', 'this manager keeps no journal');
  const parsed = journalQuery.safeParse(Object.fromEntries(requestUrl(req).searchParams));
  if (!parsed.success) {
    const optional = `until, limit (1–${MAX_JOURNAL_RECORDS}), names (${JOURNAL_NAMES.join(',')}) and every (ms) are optional`;
    throw new ApiError('bad_request', `since (epoch ms) is required; ${optional}: ${parsed.error.issues[0]?.message ?? ''}`);
  }
  const { since, until, limit, names, every } = parsed.data;
  const records = ctx.journal.records(since, until ?? Date.now());
  sendJsonText(res, 200, jsonArrayOf(await thinnedTail(records, new Set(names ?? JOURNAL_NAMES), every ?? 0, limit ?? MAX_JOURNAL_RECORDS)));
}

const chartHistoryQuery = z.object({ since: epochMs, until: epochMs.optional() });

/** The charts' last hour is bounded by its retention (at most one snapshot a second): no limit needed. */
async function chartHistory(ctx: ControlContext, req: Request, res: Response): Promise<void> {
  if (ctx.chartHistory === null) throw new ApiError('conflict', 'this manager keeps no chart history');
  const parsed = chartHistoryQuery.safeParse(Object.fromEntries(requestUrl(req).searchParams));
  if (!parsed.success) throw new ApiError('bad_request', `since (epoch ms) is required and until (epoch ms) is optional: ${parsed.error.issues[0]?.message ?? ''}`);
  const { since, until } = parsed.data;
  const records = ctx.chartHistory.records(since, until ?? Date.now());
  sendJsonText(res, 200, jsonArrayOf(await thinnedTail(records, new Set(['snapshot', 'leaderChange']), 0, Number.MAX_SAFE_INTEGER)));
}
