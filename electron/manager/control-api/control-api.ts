// The control API the dashboard talks to: loopback only, a per-launch token on every request,
// the Host header checked, no CORS. Routes are listed in node-runtime/common/manager-api.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ApiError } from '../../../node-runtime/common/errors';
import { validateFileName } from '../../../node-runtime/common/file-name';
import type { ClusterSnapshot, NodeAction } from '../../../node-runtime/common/manager-api';
import { crossSiteRefusal, isAllowedHost, presentedToken, tokenCookie, tokenMatches } from './auth';
import type { ClusterBackend } from '../clusters/cluster-backend';
import type { ClusterOps } from '../clusters/cluster-ops';
import type { EventBus } from '../cluster-view/event-bus';
import { readJson, sendError, sendJson } from './http-util';
import { isLogLevel, type LogStore } from '../cluster-view/log-store';
import { proxyToNode } from './passthrough';
import type { ProfileStore } from '../clusters/profiles';
import { openEventStream } from './sse';
import { serveStatic } from './static-files';
import { uploadThroughNode } from './uploads';
import type { WatchedFolders } from '../watched/watched-folders';

/** What the routes need from the manager; the active cluster can change between requests. */
export interface ControlContext {
  readonly bus: EventBus;
  readonly logs: LogStore;
  readonly profiles: ProfileStore;
  /** Null where something else (the desktop app's main process) owns the watched folders. */
  readonly watchedFolders: WatchedFolders | null;
  readonly rendererDir: string | null;
  snapshot(): ClusterSnapshot;
  backend(): ClusterBackend;
  ops(): ClusterOps;
  activate(profile: string): Promise<void>;
  onInternalError(err: unknown, where: string): void;
}

interface Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Captures of the route's pattern. */
  readonly params: readonly string[];
}

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handle: (ctx: ControlContext, r: Request) => Promise<void> | void;
}

const nodeActions: readonly NodeAction[] = ['kill', 'stop', 'start', 'restart', 'pause', 'resume'];

const watchedSettingsSchema = z.strictObject({
  deletePolicy: z.enum(['upload-only', 'mirror']).optional(),
  ignorePatterns: z.array(z.string()).optional(),
  rescanIntervalSec: z.number().int().optional(),
});
const watchFolderSchema = watchedSettingsSchema.extend({ path: z.string().min(1) });

const partitionSchema = z.object({ groups: z.array(z.array(z.number().int().min(1))).min(1) });

function param(r: Request, index: number): string {
  const raw = r.params[index] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError('bad_request', `malformed path segment "${raw}"`);
  }
}

/**
 * A file name from the path, checked with the validator every node uses before any node URL is
 * built from it: "..%2Fcluster%2Fmembers%2F2" must not turn a file route into another route.
 */
function fileNameParam(r: Request, index: number): string {
  const checked = validateFileName(param(r, index));
  if (!checked.ok) throw new ApiError('name_invalid', checked.detail);
  return checked.name;
}

function nodeId(r: Request, index = 0): number {
  const id = Number(r.params[index]);
  if (!Number.isInteger(id) || id < 1) throw new ApiError('bad_request', `"${r.params[index]}" is not a node id`);
  return id;
}

/** A node URL on the passthrough target (or on `?node=`), keeping the caller's query minus our token. */
function nodeUrl(ctx: ControlContext, r: Request, path: string, extraQuery: Record<string, string> = {}): URL {
  const nodeParam = r.url.searchParams.get('node');
  const member = nodeParam === null ? ctx.ops().passthroughTarget() : ctx.ops().member(Number(nodeParam));
  const target = new URL(path, `${member.httpUrl}/`);
  for (const [key, value] of r.url.searchParams) if (key !== 'token' && key !== 'node') target.searchParams.append(key, value);
  for (const [key, value] of Object.entries(extraQuery)) target.searchParams.set(key, value);
  return target;
}

function watched(ctx: ControlContext): WatchedFolders {
  if (ctx.watchedFolders === null) throw new ApiError('conflict', 'watched folders are not kept by this manager (in the app, use Cluster › Watch a Folder…)');
  return ctx.watchedFolders;
}

/** "docs/a b.txt" → "docs/a%20b.txt": slashes stay path separators on the node too. */
function encodeName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

const routes: readonly Route[] = [
  { method: 'GET', pattern: /^\/api\/cluster$/, handle: (ctx, r) => sendJson(r.res, 200, ctx.snapshot()) },
  {
    method: 'GET',
    pattern: /^\/api\/events$/,
    handle: (ctx, r) =>
      openEventStream(
        r.req,
        r.res,
        ctx.bus,
        ctx.watchedFolders === null
          ? [{ name: 'snapshot', data: ctx.snapshot() }]
          : [
              { name: 'snapshot', data: ctx.snapshot() },
              { name: 'watchedFolders', data: ctx.watchedFolders.list() },
            ],
        { includeLogs: r.url.searchParams.get('logs') !== '0' },
      ),
  },
  {
    method: 'POST',
    pattern: /^\/api\/nodes\/(\d+)\/(leadership)$/,
    handle: async (ctx, r) => {
      await ctx.ops().transferLeadership(nodeId(r));
      sendJson(r.res, 202, { ok: true });
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/nodes\/([^/]+)\/([^/]+)$/,
    handle: async (ctx, r) => {
      const action = r.params[1] as NodeAction;
      if (!nodeActions.includes(action)) throw new ApiError('not_found', `unknown node action "${r.params[1]}" (one of ${nodeActions.join(', ')}, leadership)`);
      await ctx.backend().nodeAction(nodeId(r), action);
      sendJson(r.res, 202, { ok: true });
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/nodes$/,
    handle: async (ctx, r) => sendJson(r.res, 201, await ctx.ops().addNode()),
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/nodes\/([^/]+)$/,
    handle: async (ctx, r) => {
      await ctx.ops().removeNode(nodeId(r));
      sendJson(r.res, 200, { ok: true });
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/partition$/,
    handle: async (ctx, r) => {
      const parsed = partitionSchema.safeParse(await readJson(r.req));
      if (!parsed.success) throw new ApiError('bad_request', 'expected { "groups": [[node ids], ...] }');
      await ctx.ops().partition(parsed.data.groups);
      sendJson(r.res, 200, { ok: true });
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/partition$/,
    handle: async (ctx, r) => {
      await ctx.ops().heal();
      sendJson(r.res, 200, { ok: true });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/logs$/,
    handle: (ctx, r) => {
      const node = r.url.searchParams.get('node');
      const level = r.url.searchParams.get('level');
      const limit = r.url.searchParams.get('limit');
      if (level !== null && !isLogLevel(level)) throw new ApiError('bad_request', `unknown level "${level}"`);
      if (node !== null && !/^\d+$/.test(node)) throw new ApiError('bad_request', `"${node}" is not a node id`);
      if (limit !== null && !/^\d+$/.test(limit)) throw new ApiError('bad_request', `"${limit}" is not a count`);
      sendJson(r.res, 200, ctx.logs.query({
        nodeId: node === null ? undefined : Number(node),
        level: level ?? undefined,
        limit: limit === null ? undefined : Number(limit),
      }));
    },
  },
  { method: 'GET', pattern: /^\/api\/files$/, handle: (ctx, r) => proxyToNode(r.req, r.res, nodeUrl(ctx, r, 'files'), 'GET') },
  {
    method: 'PUT',
    pattern: /^\/api\/files\/(.+)$/,
    handle: (ctx, r) => {
      const name = fileNameParam(r, 0);
      return uploadThroughNode(r.req, r.res, nodeUrl(ctx, r, `upload/${encodeName(name)}`), name, ctx.bus);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/files\/(.+)$/,
    handle: (ctx, r) => proxyToNode(r.req, r.res, nodeUrl(ctx, r, 'download', { name: fileNameParam(r, 0) }), 'GET'),
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/files\/(.+)$/,
    handle: (ctx, r) => proxyToNode(r.req, r.res, nodeUrl(ctx, r, `files/${encodeName(fileNameParam(r, 0))}`), 'DELETE'),
  },
  { method: 'GET', pattern: /^\/api\/fileinfo$/, handle: (ctx, r) => proxyToNode(r.req, r.res, nodeUrl(ctx, r, 'fileinfo'), 'GET') },
  { method: 'GET', pattern: /^\/api\/config$/, handle: (ctx, r) => proxyToNode(r.req, r.res, nodeUrl(ctx, r, 'config'), 'GET') },
  { method: 'PUT', pattern: /^\/api\/config$/, handle: (ctx, r) => proxyToNode(r.req, r.res, nodeUrl(ctx, r, 'config'), 'PUT') },
  { method: 'GET', pattern: /^\/api\/locks$/, handle: (ctx, r) => proxyToNode(r.req, r.res, nodeUrl(ctx, r, 'locks'), 'GET') },
  {
    method: 'POST',
    pattern: /^\/api\/locks\/(.+)$/,
    handle: (ctx, r) => proxyToNode(r.req, r.res, nodeUrl(ctx, r, `locks/${encodeName(fileNameParam(r, 0))}`), 'POST'),
  },
  {
    method: 'PUT',
    pattern: /^\/api\/locks\/(.+)$/,
    handle: (ctx, r) => proxyToNode(r.req, r.res, nodeUrl(ctx, r, `locks/${encodeName(fileNameParam(r, 0))}`), 'PUT'),
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/locks\/(.+)$/,
    handle: (ctx, r) => proxyToNode(r.req, r.res, nodeUrl(ctx, r, `locks/${encodeName(fileNameParam(r, 0))}`), 'DELETE'),
  },
  { method: 'GET', pattern: /^\/api\/watched-folders$/, handle: (ctx, r) => sendJson(r.res, 200, watched(ctx).list()) },
  {
    method: 'POST',
    pattern: /^\/api\/watched-folders$/,
    handle: async (ctx, r) => {
      const parsed = watchFolderSchema.safeParse(await readJson(r.req));
      if (!parsed.success) {
        throw new ApiError('bad_request', 'expected { "path": "/absolute/folder", "deletePolicy"?: "upload-only" | "mirror", "ignorePatterns"?: ["*.swp", ...], "rescanIntervalSec"?: 600 }');
      }
      const { path, ...settings } = parsed.data;
      sendJson(r.res, 201, await watched(ctx).add(path, settings));
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/api\/watched-folders\/([^/]+)$/,
    handle: async (ctx, r) => {
      const parsed = watchedSettingsSchema.safeParse(await readJson(r.req));
      if (!parsed.success) throw new ApiError('bad_request', 'expected any of { "deletePolicy", "ignorePatterns", "rescanIntervalSec" }');
      sendJson(r.res, 200, await watched(ctx).update(param(r, 0), parsed.data));
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/watched-folders\/([^/]+)\/rescan$/,
    handle: (ctx, r) => {
      watched(ctx).rescan(param(r, 0));
      sendJson(r.res, 202, { ok: true });
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/watched-folders\/([^/]+)\/resume$/,
    handle: async (ctx, r) => sendJson(r.res, 200, await watched(ctx).resume(param(r, 0))),
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/watched-folders\/([^/]+)$/,
    handle: async (ctx, r) => {
      await watched(ctx).remove(param(r, 0));
      sendJson(r.res, 200, { ok: true });
    },
  },
  { method: 'GET', pattern: /^\/api\/profiles$/, handle: async (ctx, r) => sendJson(r.res, 200, await ctx.profiles.list()) },
  {
    method: 'PUT',
    pattern: /^\/api\/profiles\/([^/]+)$/,
    handle: async (ctx, r) => {
      await ctx.profiles.save(param(r, 0), await readJson(r.req));
      sendJson(r.res, 200, await ctx.profiles.list());
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/profiles\/([^/]+)$/,
    handle: async (ctx, r) => {
      await ctx.profiles.remove(param(r, 0));
      sendJson(r.res, 200, await ctx.profiles.list());
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/profiles\/([^/]+)\/activate$/,
    handle: async (ctx, r) => {
      await ctx.activate(param(r, 0));
      sendJson(r.res, 200, await ctx.profiles.list());
    },
  },
];

export interface ControlServer {
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** Starts the control API on 127.0.0.1 (`port` 0: any free port). */
export async function startControlServer(ctx: ControlContext, token: string, port = 0): Promise<ControlServer> {
  let boundPort = 0;
  const server: Server = createServer((req, res) => {
    void handleRequest(ctx, token, boundPort, req, res).catch((err: unknown) => {
      if (err instanceof ApiError) {
        sendError(res, err.code, err.detail);
        return;
      }
      ctx.onInternalError(err, `${req.method} ${(req.url ?? '').split('?')[0]}`);
      sendError(res, 'internal', 'the manager failed to handle this request; see manager.log');
    });
  });
  // Uploads of large files through the manager may take longer than Node's 5 min default to
  // arrive; only loopback clients reach this server, so there is no slow-client attack to bound.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  boundPort = (server.address() as AddressInfo).port;
  return {
    port: boundPort,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // SSE streams never end by themselves.
        server.closeAllConnections();
      }),
  };
}

async function handleRequest(ctx: ControlContext, token: string, port: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  if (!isAllowedHost(req.headers.host, port)) {
    sendError(res, 'bad_request', `Host "${req.headers.host ?? ''}" is not served here; use 127.0.0.1:${port} or localhost:${port}`);
    return;
  }
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  if (!tokenMatches(presentedToken(req, url, port), token)) {
    res.setHeader('www-authenticate', 'Bearer');
    sendError(res, 'unauthorized', 'a valid token is required (Authorization: Bearer, ?token= or the session cookie)');
    return;
  }
  const crossSite = crossSiteRefusal(req, url, port);
  if (crossSite !== null) {
    sendError(res, 'forbidden', crossSite);
    return;
  }
  const method = req.method ?? 'GET';
  const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
  // A page opened from the printed URL: keep the token in an HttpOnly cookie and out of the
  // address bar, history and any Referer.
  if (!isApi && method === 'GET' && url.searchParams.has('token')) {
    url.searchParams.delete('token');
    res.writeHead(303, { location: `${url.pathname}${url.search}`, 'set-cookie': tokenCookie(port, token), 'cache-control': 'no-store' });
    res.end();
    return;
  }
  if (!isApi) {
    if (method !== 'GET' && method !== 'HEAD') {
      sendError(res, 'method_not_allowed', `${method} is not served outside /api`);
      return;
    }
    await serveStatic(ctx.rendererDir, url.pathname, res, method === 'HEAD');
    return;
  }
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(url.pathname);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    await route.handle(ctx, { req, res, url, params: match.slice(1) });
    return;
  }
  if (pathMatched) sendError(res, 'method_not_allowed', `${method} is not allowed on ${url.pathname}`);
  else sendError(res, 'not_found', `no route ${url.pathname}`);
}
