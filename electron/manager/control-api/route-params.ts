// What the control API's routes read from a request: node ids, file names checked like every
// node checks them, and the node URL a passthrough request goes to.
import type { Request } from 'express';
import { ApiError } from '../../../node-runtime/common/errors';
import { validateFileName } from '../../../node-runtime/common/file-name';
import { PASSTHROUGH_WAIT_MS } from '../clusters/cluster-ops';
import type { ControlContext } from './control-api';
import type { PickTarget } from './passthrough';

/** The request's URL as sent (Express's `req.query` parses repeated keys differently). */
export function requestUrl(req: Request): URL {
  return new URL(req.originalUrl, 'http://127.0.0.1');
}

export function nodeId(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isInteger(id) || id < 1) throw new ApiError('bad_request', `"${req.params.id}" is not a node id`);
  return id;
}

/** A single-segment name (`:name`), decoded by Express. */
export function nameParam(req: Request): string {
  return String(req.params.name);
}

/**
 * A file name from the path (`*name`, every segment decoded by Express), checked with the
 * validator every node uses before any node URL is built from it: "..%2Fcluster%2Fmembers%2F2"
 * must not turn a file route into another route.
 */
export function fileNameParam(req: Request): string {
  const segments = req.params.name as unknown as string[];
  const checked = validateFileName(segments.join('/'));
  if (!checked.ok) throw new ApiError('name_invalid', checked.detail);
  return checked.name;
}

/** "docs/a b.txt" → "docs/a%20b.txt": slashes stay path separators on the node too. */
export function encodeName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

/**
 * The node a passthrough request goes to (`?node=`, or the passthrough target, waited for up to
 * PASSTHROUGH_WAIT_MS), with the caller's query minus our token.
 */
export function nodeTarget(ctx: ControlContext, req: Request, path: string, extraQuery: Record<string, string> = {}): PickTarget {
  const url = requestUrl(req);
  const nodeParam = url.searchParams.get('node');
  return async (refused) => {
    const member = nodeParam === null ? await ctx.ops().awaitPassthroughTarget(PASSTHROUGH_WAIT_MS, refused) : ctx.ops().member(Number(nodeParam));
    if (refused.has(member.id)) throw new ApiError('unavailable', `node ${member.id} refused the connection`);
    const target = new URL(path, `${member.httpUrl}/`);
    for (const [key, value] of url.searchParams) if (key !== 'token' && key !== 'node') target.searchParams.append(key, value);
    for (const [key, value] of Object.entries(extraQuery)) target.searchParams.set(key, value);
    return { nodeId: member.id, url: target, access: ctx.ops().access };
  };
}
