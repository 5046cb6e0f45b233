// GET /config: every setting with value, scope and source. PUT /config: a partial JSON object,
// validated as a whole (nothing applied unless every key is valid), applied live and persisted.
import type { Router } from 'express';
import express from 'express';
import type { NodeServices } from '../../ports';

export function configRoutes(services: NodeServices): Router {
  const router = express.Router();
  router.get('/config', (_req, res) => {
    res.json(services.config());
  });
  // strict: false lets `"text"`, `42` and `null` through to validation, which names the problem
  // (config_invalid: not an object) instead of a generic JSON parse error.
  router.put('/config', express.json({ limit: '64kb', type: () => true, strict: false }), async (req, res) => {
    res.json(await services.updateConfig(req.body));
  });
  return router;
}
