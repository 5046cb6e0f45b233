// Client authentication (issue #15): with an API token configured, every client route needs
// "Authorization: Bearer <token>", on every node; a follower checks before forwarding and the
// leader checks the forwarded request again (the header travels with it). Health probes
// (/livez, /readyz, /metrics) may stay open for load balancers and Prometheus by a setting.
import type { RequestHandler } from 'express';
import { ApiError } from '../common/errors';
import { sendError } from './errors';

const HEALTH_PATHS = new Set(['/livez', '/readyz', '/metrics']);

export function clientAuth(isAuthorized: (req: Parameters<RequestHandler>[0]) => boolean, healthOpen: () => boolean): RequestHandler {
  return (req, res, next) => {
    const probe = (req.method === 'GET' || req.method === 'HEAD') && HEALTH_PATHS.has(req.path);
    if ((probe && healthOpen()) || isAuthorized(req)) {
      next();
      return;
    }
    res.setHeader('www-authenticate', 'Bearer');
    sendError(res, new ApiError('unauthorized', 'this node needs its API token (Authorization: Bearer <token>)'));
  };
}
