// Watched folders kept by this manager (in the desktop app, its main process keeps them instead).
import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../../../node-runtime/common/errors';
import type { WatchedFolders } from '../watched/watched-folders';
import type { ControlContext } from './control-api';
import { apiRoute, methodNotAllowed, readJson, ROUTER_OPTIONS, sendJson } from './http-util';
import { nameParam } from './route-params';

const watchedSettingsSchema = z.strictObject({
  deletePolicy: z.enum(['upload-only', 'mirror']).optional(),
  ignorePatterns: z.array(z.string()).optional(),
  rescanIntervalSec: z.number().int().optional(),
});
const watchFolderSchema = watchedSettingsSchema.extend({ path: z.string().min(1) });

function watched(ctx: ControlContext): WatchedFolders {
  if (ctx.watchedFolders === null) throw new ApiError('conflict', 'watched folders are not kept by this manager (in the app, use Cluster › Watch a Folder…)');
  return ctx.watchedFolders;
}

export function watchedRoutes(ctx: ControlContext): Router {
  const router = Router(ROUTER_OPTIONS);
  apiRoute(router, '/watched-folders')
    .get((_req, res) => sendJson(res, 200, watched(ctx).list()))
    .post(async (req, res) => {
      const parsed = watchFolderSchema.safeParse(await readJson(req));
      if (!parsed.success) {
        throw new ApiError('bad_request', 'expected { "path": "/absolute/folder", "deletePolicy"?: "upload-only" | "mirror", "ignorePatterns"?: ["*.swp", ...], "rescanIntervalSec"?: 600 }');
      }
      const { path, ...settings } = parsed.data;
      sendJson(res, 201, await watched(ctx).add(path, settings));
    })
    .all(methodNotAllowed);
  apiRoute(router, '/watched-folders/:name')
    .patch(async (req, res) => {
      const parsed = watchedSettingsSchema.safeParse(await readJson(req));
      if (!parsed.success) throw new ApiError('bad_request', 'expected any of { "deletePolicy", "ignorePatterns", "rescanIntervalSec" }');
      sendJson(res, 200, await watched(ctx).update(nameParam(req), parsed.data));
    })
    .delete(async (req, res) => {
      await watched(ctx).remove(nameParam(req));
      sendJson(res, 200, { ok: true });
    })
    .all(methodNotAllowed);
  apiRoute(router, '/watched-folders/:name/rescan')
    .post((req, res) => {
      watched(ctx).rescan(nameParam(req));
      sendJson(res, 202, { ok: true });
    })
    .all(methodNotAllowed);
  apiRoute(router, '/watched-folders/:name/resume')
    .post(async (req, res) => sendJson(res, 200, await watched(ctx).resume(nameParam(req))))
    .all(methodNotAllowed);
  return router;
}
