// The cluster itself: its snapshot and live events, node actions, membership, partitions, logs.
// (Its history, the journal and the charts' last hour, is history-routes.ts.)
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ApiError } from '../../../node-runtime/common/errors';
import type { NodeAction } from '../../../node-runtime/common/manager-api';
import type { ManagerEvent } from '../cluster-view/event-bus';
import { isLogLevel } from '../cluster-view/log-store';
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
        await ctx.ops().nodeAction(nodeId(req), action as NodeAction);
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
