// The cluster itself: its snapshot and live events, node actions, membership, partitions, logs.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ApiError } from '../../../node-runtime/common/errors';
import type { NodeAction } from '../../../node-runtime/common/manager-api';
import type { ManagerEvent } from '../cluster-view/event-bus';
import { isLogLevel } from '../cluster-view/log-store';
import { thinRecords } from '../cluster-view/event-journal';
import type { ControlContext } from './control-api';
import { apiRoute, methodNotAllowed, readJson, ROUTER_OPTIONS, sendJson } from './http-util';
import { nodeId, requestUrl } from './route-params';
import { openEventStream } from './sse';

const nodeActions: readonly NodeAction[] = ['kill', 'stop', 'start', 'restart', 'pause', 'resume'];

const partitionSchema = z.object({ groups: z.array(z.array(z.number().int().min(1))).min(1) });

export function clusterRoutes(ctx: ControlContext): Router {
  const router = Router(ROUTER_OPTIONS);
  apiRoute(router, '/cluster').get((_req, res) => sendJson(res, 200, ctx.snapshot())).all(methodNotAllowed);
  apiRoute(router, '/events').get((req, res) => events(ctx, req, res)).all(methodNotAllowed);

  apiRoute(router, '/nodes').post(async (_req, res) => sendJson(res, 201, await ctx.ops().addNode())).all(methodNotAllowed);
  apiRoute(router, '/nodes/:id')
    .delete(async (req, res) => {
      await ctx.ops().removeNode(nodeId(req));
      sendJson(res, 200, { ok: true });
    })
    .all(methodNotAllowed);
  apiRoute(router, '/nodes/:id/:action')
    .post(async (req, res) => {
      const action = String(req.params.action);
      if (action === 'leadership') {
        await ctx.ops().transferLeadership(nodeId(req));
      } else if (nodeActions.includes(action as NodeAction)) {
        await ctx.backend().nodeAction(nodeId(req), action as NodeAction);
      } else {
        throw new ApiError('not_found', `unknown node action "${action}" (one of ${nodeActions.join(', ')}, leadership)`);
      }
      sendJson(res, 202, { ok: true });
    })
    .all(methodNotAllowed);

  apiRoute(router, '/partition')
    .post(async (req, res) => {
      const parsed = partitionSchema.safeParse(await readJson(req));
      if (!parsed.success) throw new ApiError('bad_request', 'expected { "groups": [[node ids], ...] }');
      await ctx.ops().partition(parsed.data.groups);
      sendJson(res, 200, { ok: true });
    })
    .delete(async (_req, res) => {
      await ctx.ops().heal();
      sendJson(res, 200, { ok: true });
    })
    .all(methodNotAllowed);

  apiRoute(router, '/logs').get((req, res) => logs(ctx, req, res)).all(methodNotAllowed);
  apiRoute(router, '/journal').get(async (req, res) => journal(ctx, req, res)).all(methodNotAllowed);
  apiRoute(router, '/s3-credentials')
    .get((_req, res) => {
      const access = ctx.backend().s3Credentials;
      if (access === null) throw new ApiError('not_found', 'this app did not start these nodes, so it does not hold their S3 credentials');
      sendJson(res, 200, access);
    })
    .all(methodNotAllowed);
  return router;
}

function events(ctx: ControlContext, req: Request, res: Response): void {
  const initial: ManagerEvent[] = [{ name: 'snapshot', data: ctx.snapshot() }];
  if (ctx.watchedFolders !== null) initial.push({ name: 'watchedFolders', data: ctx.watchedFolders.list() });
  openEventStream(req, res, ctx.bus, initial, { includeLogs: requestUrl(req).searchParams.get('logs') !== '0' });
}

function logs(ctx: ControlContext, req: Request, res: Response): void {
  const query = requestUrl(req).searchParams;
  const node = query.get('node');
  const level = query.get('level');
  const limit = query.get('limit');
  if (level !== null && !isLogLevel(level)) throw new ApiError('bad_request', `unknown level "${level}"`);
  if (node !== null && !/^\d+$/.test(node)) throw new ApiError('bad_request', `"${node}" is not a node id`);
  if (limit !== null && !/^\d+$/.test(limit)) throw new ApiError('bad_request', `"${limit}" is not a count`);
  sendJson(res, 200, ctx.logs.query({
    nodeId: node === null ? undefined : Number(node),
    level: level ?? undefined,
    limit: limit === null ? undefined : Number(limit),
  }));
}

/** Most records one request returns (the newest of the range). */
const MAX_JOURNAL_RECORDS = 20_000;

const JOURNAL_NAMES = ['snapshot', 'nodeEvent', 'leaderChange'] as const;

const journalQuery = z.object({
  since: z.coerce.number().int().min(0),
  until: z.coerce.number().int().min(0).optional(),
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
  const records = await ctx.journal.read(since, until ?? Date.now(), Number.MAX_SAFE_INTEGER);
  sendJson(res, 200, thinRecords(records, new Set(names ?? JOURNAL_NAMES), every ?? 0).slice(-(limit ?? MAX_JOURNAL_RECORDS)));
}
