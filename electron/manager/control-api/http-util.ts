// Response and request helpers shared by the control API's routes: JSON bodies, the
// `{ error, detail }` shape for every failure, and bounded JSON request bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, type ErrorCode } from '../../../node-runtime/common/errors';

const MAX_JSON_BODY_BYTES = 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
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
