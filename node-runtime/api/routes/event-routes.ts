// GET /events: the node's events as Server-Sent Events (common/node-events.ts), for watchers that
// are not this node's parent process (a manager attached to remote nodes). Authenticated like
// every client route.
import type { Router } from 'express';
import express from 'express';
import type { NodeServices } from '../../ports';

/** A reader this far behind is cut off (it reconnects and polls meanwhile) rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const PING_MS = 15_000;

export function eventRoutes(services: NodeServices): Router {
  const router = express.Router();
  router.get('/events', (req, res) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    res.write('retry: 1000\n\n');
    const unsubscribe = services.events.subscribe(
      (event) => {
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          res.destroy();
          return;
        }
        res.write(`event: node\ndata: ${JSON.stringify(event)}\n\n`);
      },
      () => res.end(),
    );
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    res.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  });
  return router;
}
