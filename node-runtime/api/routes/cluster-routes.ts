// Membership changes (on the leader) and, only with --fault-injection, the fault rule endpoint.
// Both need the cluster secret: adding a member makes the cluster connect to — and authenticate
// with — an address the caller names. A node without a secret can authenticate nobody, so it
// refuses them outright (issue #15: anyone reaching the port added a learner every node dialled).
import type { RequestHandler, Router } from 'express';
import express from 'express';
import { z } from 'zod';
import { ApiError } from '../../common/errors';
import { leaderOnly } from '../leader-only';
import type { NodeServices } from '../../ports';

const memberBody = z.object({
  id: z.number().int().min(1),
  peerAddress: z.string().min(1).max(300),
  httpUrl: z.string().url().nullable().default(null),
});
const peerIds = z.array(z.number().int().min(1)).max(1000);
const faultBody = z.object({ blockedPeers: peerIds, ignoredPeers: peerIds.optional() });

function memberId(text: unknown): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1) throw new ApiError('bad_request', 'member id must be a positive integer');
  return id;
}

export function clusterRoutes(services: NodeServices): Router {
  const router = express.Router();
  const json = express.json({ limit: '16kb', type: () => true });
  const writes = leaderOnly(services);
  const peersOnly = (strict: boolean): RequestHandler => (req, _res, next) => {
    if (!services.hasClusterSecret(req.headers, strict)) {
      throw new ApiError('unauthorized', 'this route needs the cluster secret (Authorization: Bearer <secret>); a node started without DFS_CLUSTER_SECRET refuses it to everyone');
    }
    next();
  };

  router.post('/cluster/members', peersOnly(true), writes, json, async (req, res) => {
    const parsed = memberBody.safeParse(req.body);
    if (!parsed.success) throw new ApiError('bad_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    await services.membership.add(parsed.data);
    res.status(201).json(services.status());
  });

  router.post('/cluster/members/:id/promote', peersOnly(true), writes, async (req, res) => {
    await services.membership.promote(memberId(req.params.id));
    res.json(services.status());
  });

  router.delete('/cluster/members/:id', peersOnly(true), writes, async (req, res) => {
    await services.membership.remove(memberId(req.params.id));
    res.json(services.status());
  });

  const faults = services.faults;
  if (faults) {
    router.put('/internal/fault', peersOnly(true), json, (req, res) => {
      const parsed = faultBody.safeParse(req.body);
      if (!parsed.success) throw new ApiError('bad_request', 'expected {"blockedPeers": [node ids], "ignoredPeers"?: [node ids]}');
      const others = (ids: readonly number[]) => ids.filter((id) => id !== services.id);
      faults.setRules({ blockedPeers: others(parsed.data.blockedPeers), ignoredPeers: others(parsed.data.ignoredPeers ?? []) });
      res.json(faults.rules());
    });
    router.get('/internal/fault', (_req, res) => {
      res.json(faults.rules());
    });
  }
  return router;
}
