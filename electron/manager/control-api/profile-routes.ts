// Saved clusters: the built-in local one and attach profiles, and which one is active.
import { Router } from 'express';
import type { ControlContext } from './control-api';
import { apiRoute, methodNotAllowed, readJson, ROUTER_OPTIONS, sendJson } from './http-util';
import { nameParam } from './route-params';

export function profileRoutes(ctx: ControlContext): Router {
  const router = Router(ROUTER_OPTIONS);
  apiRoute(router, '/profiles').get(async (_req, res) => sendJson(res, 200, await ctx.profiles.list())).all(methodNotAllowed);
  apiRoute(router, '/profiles/:name')
    .put(async (req, res) => {
      await ctx.profiles.save(nameParam(req), await readJson(req));
      sendJson(res, 200, await ctx.profiles.list());
    })
    .delete(async (req, res) => {
      await ctx.profiles.remove(nameParam(req));
      sendJson(res, 200, await ctx.profiles.list());
    })
    .all(methodNotAllowed);
  apiRoute(router, '/profiles/:name/activate')
    .post(async (req, res) => {
      await ctx.activate(nameParam(req));
      sendJson(res, 200, await ctx.profiles.list());
    })
    .all(methodNotAllowed);
  return router;
}
