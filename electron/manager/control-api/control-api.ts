// The control API the dashboard talks to: loopback only, a per-launch token on every request,
// the Host header checked, no CORS. Routes are listed in node-runtime/common/manager-api.ts;
// everything outside /api is the built dashboard.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Router, type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { ApiError } from '../../../node-runtime/common/errors';
import type { ClusterSnapshot } from '../../../node-runtime/common/manager-api';
import type { ClusterBackend } from '../clusters/cluster-backend';
import type { ClusterOps } from '../clusters/cluster-ops';
import type { ProfileStore } from '../clusters/profiles';
import type { EventBus } from '../cluster-view/event-bus';
import type { ChartHistory } from '../cluster-view/chart-history';
import type { EventJournal } from '../cluster-view/event-journal';
import type { LogStore } from '../cluster-view/log-store';
import type { WatchedFolders } from '../watched/watched-folders';
import { cookieName, crossSiteRefusal, isAllowedHost, presentedToken, TOKEN_COOKIE, tokenMatches } from './auth';
import { archiveRoutes } from './archive-routes';
import { backupRoutes } from './backup-routes';
import { clusterRoutes } from './cluster-routes';
import { fileRoutes } from './file-routes';
import { historyRoutes } from './history-routes';
import { ROUTER_OPTIONS, sendError } from './http-util';
import { profileRoutes } from './profile-routes';
import { requestUrl } from './route-params';
import { serveStatic } from './static-files';
import { watchedRoutes } from './watched-routes';

/** What the routes need from the manager; the active cluster can change between requests. */
export interface ControlContext {
  readonly bus: EventBus;
  readonly logs: LogStore;
  readonly profiles: ProfileStore;
  /** Null where something else (the desktop app's main process) owns the watched folders. */
  readonly watchedFolders: WatchedFolders | null;
  readonly rendererDir: string | null;
  snapshot(): ClusterSnapshot;
  /** The cluster's recent history (null where none is kept). */
  readonly journal: EventJournal | null;
  /** The charts' last hour (null where none is kept). */
  readonly chartHistory: ChartHistory | null;
  backend(): ClusterBackend;
  ops(): ClusterOps;
  activate(profile: string): Promise<void>;
  onInternalError(err: unknown, where: string): void;
}

export interface ControlServer {
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** Starts the control API on 127.0.0.1 (`port` 0: any free port). */
export async function startControlServer(ctx: ControlContext, token: string, port = 0): Promise<ControlServer> {
  let boundPort = 0;
  const server: Server = createServer(controlApp(ctx, token, () => boundPort));
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

function controlApp(ctx: ControlContext, token: string, port: () => number): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // As the routers: `/API/...` is a dashboard path, not the API.
  app.set('case sensitive routing', true);
  app.use(launchTokenGate(token, port));

  const api = Router(ROUTER_OPTIONS);
  api.use(clusterRoutes(ctx), historyRoutes(ctx), fileRoutes(ctx), archiveRoutes(ctx), watchedRoutes(ctx), profileRoutes(ctx), backupRoutes(ctx));
  api.use((req, res) => sendError(res, 'not_found', `no route ${requestUrl(req).pathname}`));
  app.use('/api', api);

  app.use(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 'method_not_allowed', `${req.method} is not served outside /api`);
      return;
    }
    await serveStatic(ctx.rendererDir, requestUrl(req).pathname, res, req.method === 'HEAD');
  });
  app.use(errorHandler(ctx));
  return app;
}

/** Every request: a Host we serve, this launch's token, and no state change from another site. */
function launchTokenGate(token: string, port: () => number): RequestHandler {
  return (req, res, next) => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    if (!isAllowedHost(req.headers.host, port())) {
      sendError(res, 'bad_request', `Host "${req.headers.host ?? ''}" is not served here; use 127.0.0.1:${port()} or localhost:${port()}`);
      return;
    }
    const url = requestUrl(req);
    if (!tokenMatches(presentedToken(req, url, port()), token)) {
      res.setHeader('www-authenticate', 'Bearer');
      sendError(res, 'unauthorized', 'a valid token is required (Authorization: Bearer, ?token= or the session cookie)');
      return;
    }
    const crossSite = crossSiteRefusal(req, url, port());
    if (crossSite !== null) {
      sendError(res, 'forbidden', crossSite);
      return;
    }
    // A page opened from the printed URL: keep the token in an HttpOnly cookie and out of the
    // address bar, history and any Referer.
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    if (!isApi && req.method === 'GET' && url.searchParams.has('token')) {
      url.searchParams.delete('token');
      res.cookie(cookieName(port()), token, TOKEN_COOKIE);
      res.setHeader('cache-control', 'no-store');
      res.redirect(303, `${url.pathname}${url.search}`);
      return;
    }
    next();
  };
}

function errorHandler(ctx: ControlContext): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof ApiError) {
      sendError(res, err.code, err.detail);
    } else if (err instanceof URIError) {
      // Express could not decode a path parameter.
      sendError(res, 'bad_request', `malformed path segment: ${err.message}`);
    } else {
      ctx.onInternalError(err, `${req.method} ${requestUrl(req).pathname}`);
      sendError(res, 'internal', 'the manager failed to handle this request; see manager.log');
    }
  };
}
