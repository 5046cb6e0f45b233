// Response and request helpers shared by the control API's routes: JSON bodies, the
// `{ error, detail }` shape for every failure, and bounded JSON request bodies. (Hand-written
// rather than res.json()/express.json(): the same helpers serve the plain-Node passthrough and SSE
// code, and readJson parses whatever the Content-Type, as the API always has.)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IRoute, Request, Response, Router, RouterOptions } from 'express';
import { ApiError, type ErrorCode } from '../../../node-runtime/common/errors';

const MAX_JSON_BODY_BYTES = 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

/** Sends JSON that is already text (records answered as they were read from disk). */
export function sendJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, code: ErrorCode, detail: string): void {
  const error = new ApiError(code, detail);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, error.status, error.toBody());
}

/** Reads a JSON body of at most 1 MiB; malformed or oversized bodies are 400 / 413. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY_BYTES) throw new ApiError('file_too_large', `a JSON body may have at most ${MAX_JSON_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError('bad_request', `the body is not JSON: ${(err as Error).message}`);
  }
}

/** Paths match exactly as written: `/api/Cluster` and `/api/cluster/` are not `/api/cluster`. */
export const ROUTER_OPTIONS: RouterOptions = { caseSensitive: true, strict: true };

/** The last handler of every route: the path exists, the method does not. */
export function methodNotAllowed(req: Request, res: Response): void {
  sendError(res, 'method_not_allowed', `${req.method} is not allowed on ${new URL(req.originalUrl, 'http://127.0.0.1').pathname}`);
}

/**
 * One path of the API. HEAD is refused like any method the path lacks: Express would run the GET
 * handler for it, and a HEAD on /api/events would hold a stream open.
 */
export function apiRoute(router: Router, path: string): IRoute {
  return router.route(path).head(methodNotAllowed);
}
