// Lease locks: POST /locks/<name> acquires ({owner, ttlMs}) and answers the token; PUT renews
// ({token, ttlMs}); DELETE releases (token in X-Lock-Token, ?token= or the body). GET /locks lists.
import type { Request, Router } from 'express';
import express from 'express';
import { z } from 'zod';
import { ApiError } from '../../common/errors';
import { leaderOnly } from '../leader-only';
import type { NodeServices } from '../../ports';
import { fileNameFrom, lockTokenFrom } from '../params';

const ttl = z.number().int().positive().nullable().default(null);
const acquireBody = z.object({ owner: z.string().min(1).max(256).default('anonymous'), ttlMs: ttl });
const renewBody = z.object({ token: z.string().min(1).optional(), ttlMs: ttl });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError('bad_request', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function tokenOf(req: Request, fromBody: string | undefined): string {
  const token = lockTokenFrom(req) ?? (typeof req.query.token === 'string' ? req.query.token : undefined) ?? fromBody;
  if (!token) throw new ApiError('bad_request', 'the lock token is required (X-Lock-Token header or "token")');
  return token;
}

export function lockRoutes(services: NodeServices): Router {
  const router = express.Router();
  const json = express.json({ limit: '16kb', type: () => true });
  const writes = leaderOnly(services);

  router.get('/locks', (_req, res) => {
    res.json({ locks: services.locks.list() });
  });

  router.post('/locks/*name', writes, json, async (req, res) => {
    const body = parse(acquireBody, req.body);
    res.status(201).json(await services.locks.acquire(fileNameFrom(req.params.name), body.owner, body.ttlMs));
  });

  router.put('/locks/*name', writes, json, async (req, res) => {
    const body = parse(renewBody, req.body);
    res.json(await services.locks.renew(fileNameFrom(req.params.name), tokenOf(req, body.token), body.ttlMs));
  });

  router.delete('/locks/*name', writes, json, async (req, res) => {
    const body = parse(renewBody, req.body);
    await services.locks.release(fileNameFrom(req.params.name), tokenOf(req, body.token));
    res.status(204).end();
  });

  return router;
}
