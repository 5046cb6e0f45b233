// Issue #15, item 5: a page on another port of 127.0.0.1 is the same *site* as the manager, so the
// SameSite=Strict session cookie rode along on its no-cors POST and stopped a node; a request
// with Origin: http://evil.example got 202 too. A state-changing /api request now needs our own
// origin (or Sec-Fetch-Site: same-origin/none), or a token in a header a cross-site page cannot
// set. Reads, and tools without browser headers, work as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../electron/manager/manager';
import { startReachableManager } from '../fixtures/manager/helpers';

let manager: Manager;
let base: string;
let cookie: string;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ manager, base, stop } = await startReachableManager());
  const trade = await fetch(`${base}/?token=${manager.token}`, { redirect: 'manual' });
  cookie = (trade.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/^dfs_token_\d+=/);
});
afterAll(() => stop?.());

const node3Running = (): boolean => manager.snapshot().nodes.find((n) => n.id === 3)?.process?.state === 'running';

describe('cross-site state changes', () => {
  const refused: Array<[string, () => Record<string, string>]> = [
    ['the cookie and Origin: http://evil.example', () => ({ cookie, origin: 'http://evil.example' })],
    ['the cookie and another port of 127.0.0.1 as Origin', () => ({ cookie, origin: `http://127.0.0.1:${manager.port + 1}`, 'sec-fetch-site': 'same-site' })],
    ['the cookie and Origin: null (a sandboxed page)', () => ({ cookie, origin: 'null' })],
    ['the cookie and Sec-Fetch-Site: same-site without Origin', () => ({ cookie, 'sec-fetch-site': 'same-site' })],
    ['the cookie and Sec-Fetch-Site: cross-site', () => ({ cookie, 'sec-fetch-site': 'cross-site' })],
    ['the cookie alone (no browser header at all)', () => ({ cookie })],
    ['the bearer token and Origin: http://evil.example', () => ({ authorization: `Bearer ${manager.token}`, origin: 'http://evil.example' })],
  ];

  it.each(refused)('with %s: POST /api/nodes/3/stop → 403 forbidden, node 3 keeps running', async (_what, headers) => {
    const res = await fetch(`${base}/api/nodes/3/stop`, { method: 'POST', headers: headers() });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'forbidden' });
    expect(node3Running()).toBe(true);
  });

  it('refuses every state-changing method the same way', async () => {
    for (const [method, route] of [['DELETE', '/api/partition'], ['PUT', '/api/files/a.txt'], ['DELETE', '/api/nodes/3'], ['POST', '/api/nodes']]) {
      const res = await fetch(`${base}${route}`, { method, headers: { cookie, origin: 'http://evil.example' }, ...(method === 'PUT' ? { body: 'x' } : {}) });
      expect(res.status, `${method} ${route}`).toBe(403);
    }
    expect(manager.snapshot().nodes).toHaveLength(3);
  });
});

describe('what still works', () => {
  it('the dashboard itself: cookie with our own Origin (127.0.0.1 or localhost)', async () => {
    for (const origin of [base, `http://localhost:${manager.port}`]) {
      const res = await fetch(`${base}/api/partition`, { method: 'DELETE', headers: { cookie, origin, 'sec-fetch-site': 'same-origin' } });
      expect(res.status, origin).toBe(200);
    }
  });

  it('Sec-Fetch-Site: same-origin or none without Origin', async () => {
    for (const site of ['same-origin', 'none']) {
      expect((await fetch(`${base}/api/partition`, { method: 'DELETE', headers: { cookie, 'sec-fetch-site': site } })).status, site).toBe(200);
    }
  });

  it('scripts and the app:// forwarder: the token in a header or the query, no browser headers', async () => {
    expect((await fetch(`${base}/api/partition`, { method: 'DELETE', headers: { authorization: `Bearer ${manager.token}` } })).status).toBe(200);
    expect((await fetch(`${base}/api/partition?token=${manager.token}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('reads from anywhere that holds the token (a cross-site page cannot read the answer)', async () => {
    expect((await fetch(`${base}/api/cluster`, { headers: { cookie, origin: 'http://evil.example' } })).status).toBe(200);
  });
});
