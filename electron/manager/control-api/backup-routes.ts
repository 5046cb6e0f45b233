// "Back up now": a verified backup of the active cluster, saved into a folder the user picked.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../../../node-runtime/common/errors';
import { PASSTHROUGH_WAIT_MS } from '../clusters/cluster-ops';
import { saveBackup } from '../clusters/save-backup';
import type { ControlContext } from './control-api';
import { apiRoute, methodNotAllowed, readJson, ROUTER_OPTIONS, sendJson } from './http-util';

const backupRequestSchema = z.strictObject({ folder: z.string().min(1) });

/** The folder, checked before any node is asked: absolute, an existing directory, writable by us. */
async function backupFolder(body: unknown): Promise<string> {
  const parsed = backupRequestSchema.safeParse(body);
  if (!parsed.success) throw new ApiError('bad_request', 'expected { "folder": "/absolute/folder" }');
  const { folder } = parsed.data;
  if (folder.includes('\0') || !path.isAbsolute(folder)) throw new ApiError('bad_request', `"${folder}" is not an absolute path; name the folder in full`);
  const found = await stat(folder).catch(() => null);
  if (found === null) throw new ApiError('bad_request', `there is no folder ${folder}`);
  if (!found.isDirectory()) throw new ApiError('bad_request', `${folder} is a file, not a folder`);
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new ApiError('bad_request', `the folder ${folder} is not writable by this app`);
  }
  return folder;
}

export function backupRoutes(ctx: ControlContext): Router {
  const router = Router(ROUTER_OPTIONS);
  apiRoute(router, '/backups')
    .post(async (req, res) => {
      const folder = await backupFolder(await readJson(req));
      const node = await ctx.ops().awaitPassthroughTarget(PASSTHROUGH_WAIT_MS);
      sendJson(res, 201, await saveBackup(ctx.backend().access, node, folder));
    })
    .all(methodNotAllowed);
  return router;
}
