// What the app:// scheme answers, as a plain `Request → Response` function: the dashboard's
// files from the built renderer directory, and `/api/...` forwarded to the manager's control API
// on loopback with the launch token added here — so the page is same-origin with its API, needs
// no CORS, and never sees the token. Server-Sent Events stream through unbuffered.
// This file does not import 'electron' on purpose: the tests run it under plain Node.
import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { ERROR_STATUS, type ErrorCode } from '../../node-runtime/common/errors';
import { APP_RESPONSE_HEADERS } from '../manager/control-api/security-policy';
import { NOT_FORWARDED_HEADERS, upstreamAnswer } from '../manager/control-api/passthrough';
import { findDashboardFile } from '../manager/control-api/static-files';

/** Where the manager's control API listens, once it does. */
export interface ApiEndpoint {
  readonly port: number;
  readonly token: string;
}

export interface AppProtocolOptions {
  /** The built dashboard (dist/renderer/, inside the asar archive when packaged). */
  readonly rendererDir: string;
  /** Null while the manager is not (yet, or any more) running. */
  readonly api: () => ApiEndpoint | null;
  /**
   * Routes the page may not call although the manager serves them, as `METHOD /path` regexps
   * over the pathname: e.g. adding a watched folder by path, which in the app only the native
   * folder picker may do (a compromised page must not name ~/.ssh).
   */
  readonly refusedRoutes?: readonly { readonly method: string; readonly pattern: RegExp; readonly reason: string }[];
  /** At most this many event streams stay open; a new one closes the oldest (default 4). */
  readonly maxEventStreams?: number;
}


/**
 * Not forwarded to the manager: what the manager's own passthrough drops (hop-by-hop headers,
 * credentials and origin details of the page), and more. The Sec-Fetch-* labels describe the
 * page's request to app://, not this one: the manager's cross-site check must judge this process
 * (its token in the header), not a label Chromium chose for a custom scheme.
 */
const requestHeadersDropped = new Set([
  ...NOT_FORWARDED_HEADERS,
  'accept-encoding', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user',
]);

/** Not passed back to the page: hop-by-hop headers and anything that would set state. */
const responseHeadersDropped = new Set(['connection', 'keep-alive', 'transfer-encoding', 'set-cookie', 'trailer']);

function withAppHeaders(headers: Headers): Headers {
  for (const [name, value] of Object.entries(APP_RESPONSE_HEADERS)) headers.set(name, value);
  return headers;
}

function errorResponse(code: ErrorCode, detail: string): Response {
  return new Response(JSON.stringify({ error: code, detail }), {
    status: ERROR_STATUS[code],
    headers: withAppHeaders(new Headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })),
  });
}

function webStream(readable: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(readable) as unknown as ReadableStream<Uint8Array>;
}

export class AppProtocol {
  /** Open `text/event-stream` answers, oldest first, each with the way to close it. */
  private readonly eventStreams = new Set<() => void>();

  constructor(private readonly options: AppProtocolOptions) {}

  /** The protocol handler: `protocol.handle('app', (request) => appProtocol.handle(request))`. */
  async handle(request: Request): Promise<Response> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return errorResponse('bad_request', 'malformed URL');
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return this.forward(request, url);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return errorResponse('method_not_allowed', `${request.method} is not served outside /api`);
    }
    return this.serveFile(url.pathname, request.method === 'HEAD');
  }

  /**
   * Closes every event stream still open. Call it when the page goes away (reload, navigation,
   * a crashed renderer): Chromium does not always cancel a custom protocol's streaming body.
   */
  closeEventStreams(): void {
    for (const close of [...this.eventStreams]) close();
  }

  get openEventStreams(): number {
    return this.eventStreams.size;
  }

  private async serveFile(pathname: string, headOnly: boolean): Promise<Response> {
    const found = await findDashboardFile(this.options.rendererDir, pathname);
    if (!found.ok) return errorResponse(found.code, found.detail);
    return new Response(headOnly ? null : webStream(createReadStream(found.file)), { status: 200, headers: new Headers(found.headers) });
  }

  private async forward(request: Request, url: URL): Promise<Response> {
    const refused = this.options.refusedRoutes?.find((r) => r.method === request.method && r.pattern.test(url.pathname));
    if (refused) return errorResponse('method_not_allowed', refused.reason);
    const api = this.options.api();
    if (api === null) return errorResponse('unavailable', 'the cluster manager is not running');

    const headers: OutgoingHttpHeaders = {};
    request.headers.forEach((value, name) => {
      if (!requestHeadersDropped.has(name)) headers[name] = value;
    });
    headers.authorization = `Bearer ${api.token}`;
    const upstream = httpRequest({ host: '127.0.0.1', port: api.port, method: request.method, path: `${url.pathname}${url.search}`, headers });
    if (request.body) {
      Readable.fromWeb(request.body as unknown as NodeReadableStream).on('error', (err) => upstream.destroy(err)).pipe(upstream);
    } else {
      upstream.end();
    }

    let answer: IncomingMessage;
    try {
      // Later failures end the body stream; the page sees a broken response.
      answer = await upstreamAnswer(upstream);
    } catch (err) {
      return errorResponse('unavailable', `the cluster manager did not answer ${request.method} ${url.pathname}: ${(err as Error).message}`);
    }

    const status = answer.statusCode ?? 502;
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || responseHeadersDropped.has(name)) continue;
      for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(name, item);
    }
    withAppHeaders(responseHeaders);
    const bodyless = request.method === 'HEAD' || status === 204 || status === 304;
    if (bodyless) {
      answer.resume();
      return new Response(null, { status, headers: responseHeaders });
    }
    if ((answer.headers['content-type'] ?? '').startsWith('text/event-stream')) this.track(answer);
    return new Response(webStream(answer), { status, headers: responseHeaders });
  }

  private track(answer: IncomingMessage): void {
    const close = (): void => {
      answer.destroy();
    };
    this.eventStreams.add(close);
    answer.once('close', () => this.eventStreams.delete(close));
    const max = this.options.maxEventStreams ?? 4;
    for (const oldest of this.eventStreams) {
      if (this.eventStreams.size <= max) break;
      oldest();
      this.eventStreams.delete(oldest);
    }
  }
}
