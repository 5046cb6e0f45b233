// Health, status and statistics, seed-compatible: GET /status, /health, /stats, /recovery/status,
// /leader, /leader/status, POST /leader/vote; plus /livez, /readyz, /metrics and POST /scrub.
import type { Router } from 'express';
import express from 'express';
import type { NodeServices } from '../../ports';

export function statusRoutes(services: NodeServices): Router {
  const router = express.Router();

  router.get('/status', (_req, res) => {
    res.json(services.status());
  });

  router.get('/health', async (_req, res) => {
    const stats = await services.stats();
    const status = services.status();
    res.status(stats.nodeStatus === 'unhealthy' ? 503 : 200).json({
      status: stats.nodeStatus,
      nodeId: services.id,
      role: status.role,
      term: status.term,
      leaderId: status.leaderId,
      uptimeSec: Math.round((Date.now() - services.startedAt) / 1000),
    });
  });

  router.get('/stats', async (_req, res) => {
    res.json(await services.stats());
  });

  router.get('/recovery/status', (_req, res) => {
    res.json(services.recovery());
  });

  router.post('/scrub', (_req, res) => {
    const started = services.startScrub();
    res.status(202).json({ started, recovery: services.recovery() });
  });

  router.get('/leader', (_req, res) => {
    res.json(services.leader());
  });

  router.get('/leader/status', (_req, res) => {
    const status = services.status();
    res.json({ ...services.leader(), role: status.role, commitIndex: status.commitIndex, peers: status.peers });
  });

  // The seed's "participate in leader election": here, ask the cluster to hand leadership to this node.
  router.post('/leader/vote', async (_req, res) => {
    res.json(await services.takeLeadership());
  });

  router.get('/livez', (_req, res) => {
    res.json({ live: true });
  });

  router.get('/readyz', (_req, res) => {
    const ready = services.isReady();
    res.status(ready ? 200 : 503).json({ ready, leaderId: services.leader().leaderId });
  });

  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', services.metrics.contentType);
    res.send(await services.metrics.metrics());
  });

  return router;
}
