// Serves the built dashboard (dist/renderer/) with correct content types, falling back to
// index.html for client-side routes. Paths are confined to the renderer directory.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
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

export async function serveStatic(rendererDir: string | null, pathname: string, res: ServerResponse, headOnly: boolean): Promise<void> {
  if (rendererDir === null) {
    sendError(res, 'not_found', 'the dashboard is not built: run `npm run build renderer`');
    return;
  }
  const root = path.resolve(rendererDir);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    sendError(res, 'bad_request', `malformed path ${pathname}`);
    return;
  }
  const requested = path.resolve(root, `.${path.posix.normalize(relative)}`);
  const inside = requested === root || requested.startsWith(root + path.sep);
  let file = inside && requested !== root ? requested : path.join(root, 'index.html');
  let size = await fileSize(file);
  // A missing file that looks like an asset is a real 404; anything else is a client-side route.
  if (size === null && path.extname(relative) === '') {
    file = path.join(root, 'index.html');
    size = await fileSize(file);
  }
  if (size === null) {
    sendError(res, 'not_found', `no such file in the dashboard: ${relative}`);
    return;
  }
  const isIndex = path.basename(file) === 'index.html';
  res.writeHead(200, {
    // The same policy as the desktop window's, so the browser (and the browser tests) refuse
    // exactly what the app would.
    ...APP_RESPONSE_HEADERS,
    'content-type': contentTypeOf(file),
    'content-length': size,
    // Vite fingerprints everything but index.html.
    'cache-control': isIndex ? 'no-cache' : 'public, max-age=31536000, immutable',
  });
  if (headOnly) {
    res.end();
    return;
  }
  await pipeline(createReadStream(file), res).catch(() => res.destroy());
}
