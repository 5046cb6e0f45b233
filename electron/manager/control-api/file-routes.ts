// Files, locks and the cluster config: passed through to a node (the passthrough target, or
// `?node=`), uploads with progress events on the bus.
import { Router, type Request, type Response } from 'express';
import type { ControlContext } from './control-api';
import { apiRoute, methodNotAllowed, ROUTER_OPTIONS } from './http-util';
import { proxyToNode } from './passthrough';
import { encodeName, fileNameParam, nodeTarget } from './route-params';
import { uploadThroughNode } from './uploads';

export function fileRoutes(ctx: ControlContext): Router {
  const router = Router(ROUTER_OPTIONS);
  apiRoute(router, '/files').get((req, res) => proxyToNode(req, res, nodeTarget(ctx, req, 'files'), 'GET')).all(methodNotAllowed);
  apiRoute(router, '/files/*name')
    .put((req, res) => {
      const name = fileNameParam(req);
      return uploadThroughNode(req, res, nodeTarget(ctx, req, `upload/${encodeName(name)}`), name, ctx.bus);
    })
    .get((req, res) => proxyToNode(req, res, nodeTarget(ctx, req, 'download', { name: fileNameParam(req) }), 'GET'))
    .delete((req, res) => proxyToNode(req, res, nodeTarget(ctx, req, `files/${encodeName(fileNameParam(req))}`), 'DELETE', { resendable: true }))
    .all(methodNotAllowed);
  apiRoute(router, '/fileinfo').get((req, res) => proxyToNode(req, res, nodeTarget(ctx, req, 'fileinfo'), 'GET')).all(methodNotAllowed);
  apiRoute(router, '/config')
    .get((req, res) => proxyToNode(req, res, nodeTarget(ctx, req, 'config'), 'GET'))
    .put((req, res) => proxyToNode(req, res, nodeTarget(ctx, req, 'config'), 'PUT'))
    .all(methodNotAllowed);
  apiRoute(router, '/locks').get((req, res) => proxyToNode(req, res, nodeTarget(ctx, req, 'locks'), 'GET')).all(methodNotAllowed);
  const lock = (req: Request, res: Response) => proxyToNode(req, res, nodeTarget(ctx, req, `locks/${encodeName(fileNameParam(req))}`), req.method);
  apiRoute(router, '/locks/*name').post(lock).put(lock).delete(lock).all(methodNotAllowed);
  return router;
}
