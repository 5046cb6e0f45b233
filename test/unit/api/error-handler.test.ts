// The app's last error handler, on a real Express app and a real socket: whatever a route throws
// (an Error, a string, a bare object, a rejected promise, an error after the headers left), the client
// gets `{ error, detail }` without a stack, the error is logged once, and the server keeps serving.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../node-runtime/common/errors';
import { errorHandler } from '../../../node-runtime/api/errors';

let server: Server;
let base: string;
const lines: Array<{ level: number; msg: string }> = [];

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const app = express();
  app.get('/error', () => {
    throw new Error('boom at /secret/path');
  });
  app.get('/string', () => {
    throw 'a thrown string';
  });
  app.get('/object', () => {
    throw Object.create(null) as object;
  });
  app.get('/rejected', async () => {
    await Promise.resolve();
    throw new TypeError('async boom');
  });
  app.get('/api-error', () => {
    throw new ApiError('not_found', 'no such thing');
  });
  app.get('/after-headers', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('half');
    throw new Error('late boom');
  });
  app.get('/ok', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(errorHandler(logger));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  lines.length = 0;
});

describe('the final error handler', () => {
  it.each(['/error', '/string', '/object', '/rejected'])('%s: 500 internal, no stack, one error log line', async (route) => {
    const res = await fetch(`${base}${route}`);
    expect(res.status).toBe(500);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['detail', 'error']);
    expect(body.error).toBe('internal');
    expect(JSON.stringify(body)).not.toMatch(/boom|thrown string|at .*\(|\.ts:\d/);
    expect(lines.filter((l) => l.level >= 50)).toHaveLength(1);
    expect((await fetch(`${base}/ok`)).status).toBe(200);
  });

  it('an ApiError keeps its status and code and is not logged as a failure', async () => {
    const res = await fetch(`${base}/api-error`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found', detail: 'no such thing' });
    expect(lines.filter((l) => l.level >= 50)).toHaveLength(0);
  });

  it('an error after the headers left cuts the response short and the server keeps serving', async () => {
    await expect(fetch(`${base}/after-headers`).then((r) => r.text())).rejects.toThrow();
    expect(lines.filter((l) => l.level >= 50)).toHaveLength(1);
    expect((await fetch(`${base}/ok`)).status).toBe(200);
  });
});
