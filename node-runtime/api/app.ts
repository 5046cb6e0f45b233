// The node's public HTTP API: one Express app, routes grouped by concern, one error handler.
import express from 'express';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { Histogram } from 'prom-client';
import { ApiError } from '../common/errors';
import { bodyIdleTimeout } from './body-timeout';
import { clientAuth } from './client-auth';
import { errorHandler, sendError } from './errors';
import type { NodeServices } from '../ports';
import { clusterRoutes } from './routes/cluster-routes';
import { configRoutes } from './routes/config-routes';
import { eventRoutes } from './routes/event-routes';
import { fileRoutes, rawDownloadRoute } from './routes/file-routes';
import { lockRoutes } from './routes/lock-routes';
import { statusRoutes } from './routes/status-routes';
import { backupRoutes } from './routes/backup-routes';

export function createApp(services: NodeServices, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const latency = new Histogram({
    name: 'dfs_http_request_duration_seconds',
    help: 'HTTP request latency by route group and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [services.metrics],
  });
  app.use((req, res, next) => {
    const stop = latency.startTimer({ method: req.method });
    res.on('finish', () => services.traffic.recordRequest(stop({ route: routeGroup(req.path), status: String(res.statusCode) }) * 1000));
    next();
  });

  app.use((req, res, next) => {
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      res.setHeader('connection', 'close');
      sendError(res, new ApiError('bad_request', 'an HTTP/1.1 request needs a Host header'));
      return;
    }
    next();
  });
  app.use(clientAuth((req) => services.isAuthorizedClient(req.headers), () => services.limits().openHealthRoutes));
  app.use(bodyIdleTimeout(() => services.limits().bodyIdleTimeoutMs));
  // Files first: most requests are file reads and writes, and every router a request passes tests
  // each of its routes against the path. No two of these routers share a path; the catch-all raw
  // download comes last.
  app.use(fileRoutes(services));
  app.use(statusRoutes(services));
  app.use(eventRoutes(services));
  app.use(configRoutes(services));
  app.use(lockRoutes(services));
  app.use(clusterRoutes(services));
  app.use(backupRoutes(services));
  app.use(rawDownloadRoute(services));
  app.use((req, res) => {
    sendError(res, new ApiError(req.method === 'GET' ? 'not_found' : 'method_not_allowed', `no route for ${req.method} ${req.path}`));
  });
  app.use(errorHandler(logger));
  return app;
}

/** A small, bounded label set for metrics: the first path segment, never the file name. */
function routeGroup(path: string): string {
  const first = path.split('/')[1] ?? '';
  const known = ['status', 'health', 'stats', 'recovery', 'leader', 'config', 'upload', 'download', 'files', 'fileinfo', 'locks', 'cluster', 'internal', 'metrics', 'livez', 'readyz', 'scrub', 'events'];
  return known.includes(first) ? first : 'raw-download';
}
