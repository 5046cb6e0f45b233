// Serves the built dashboard (dist/renderer/) with correct content types, falling back to
// index.html for client-side routes. Paths are confined to the renderer directory. The desktop
// app's app:// handler (electron/main/app-protocol.ts) finds its files through the same code.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ErrorCode } from '../../../node-runtime/common/errors';
import { sendError } from './http-util';
import { APP_RESPONSE_HEADERS } from './security-policy';

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** The Content-Type of one of the dashboard's files (also used by the desktop app's app:// handler). */
export function contentTypeOf(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

async function fileSize(file: string): Promise<number | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}

export type DashboardFile =
  | { readonly ok: true; readonly file: string; readonly headers: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly code: ErrorCode; readonly detail: string };

/**
 * The file of the built dashboard that answers `pathname`, with its response headers: web mode's
 * server and the desktop app's app:// handler both serve through this, so they answer alike.
 * Paths are confined to `rendererDir`; client-side routes fall back to index.html.
 */
export async function findDashboardFile(rendererDir: string, pathname: string): Promise<DashboardFile> {
  const root = path.resolve(rendererDir);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return { ok: false, code: 'bad_request', detail: `malformed path ${pathname}` };
  }
  const requested = path.resolve(root, `.${path.posix.normalize(relative)}`);
  let file = requested.startsWith(root + path.sep) ? requested : path.join(root, 'index.html');
  let size = await fileSize(file);
  // A missing file that looks like an asset is a real 404; anything else is a client-side route.
  if (size === null && path.extname(relative) === '') {
    file = path.join(root, 'index.html');
    size = await fileSize(file);
  }
  if (size === null) return { ok: false, code: 'not_found', detail: `no such file in the dashboard: ${relative}` };
  const headers = {
    // The same policy as the desktop window's, so the browser (and the browser tests) refuse
    // exactly what the app would.
    ...APP_RESPONSE_HEADERS,
    'content-type': contentTypeOf(file),
    'content-length': String(size),
    // Vite fingerprints everything but index.html.
    'cache-control': path.basename(file) === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
  };
  return { ok: true, file, headers };
}

export async function serveStatic(rendererDir: string | null, pathname: string, res: ServerResponse, headOnly: boolean): Promise<void> {
  if (rendererDir === null) {
    sendError(res, 'not_found', 'the dashboard is not built: run `npm run build renderer`');
    return;
  }
  const found = await findDashboardFile(rendererDir, pathname);
  if (!found.ok) {
    sendError(res, found.code, found.detail);
    return;
  }
  res.writeHead(200, found.headers);
  if (headOnly) {
    res.end();
    return;
  }
  await pipeline(createReadStream(found.file), res).catch(() => res.destroy());
}
