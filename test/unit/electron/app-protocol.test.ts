// The app:// handler under plain Node: the dashboard's files with the CSP header, and /api/...
// forwarded to a real control API server (its Host and token checks included) — bodies and
// Server-Sent Events streamed, the token added by main and never shown to the page.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../../node-runtime/common/manager-api';
import { AppProtocol, type ApiEndpoint } from '../../../electron/main/app-protocol';
import { startControlServer, type ControlContext, type ControlServer } from '../../../electron/manager/control-api/control-api';
import { EventBus } from '../../../electron/manager/cluster-view/event-bus';
import { LogStore } from '../../../electron/manager/cluster-view/log-store';
import { ProfileStore } from '../../../electron/manager/clusters/profiles';
import { CONTENT_SECURITY_POLICY } from '../../../electron/manager/control-api/security-policy';
import { waitFor } from '../../support/wait-for';

const TOKEN = 'launch-token-that-the-page-never-sees';

const snapshot: ClusterSnapshot = {
  mode: 'local',
  profile: 'local',
  nodes: [],
  leaderId: 2,
  health: 'healthy',
  faultTolerance: 1,
  inQuorum: [1, 2, 3],
  behind: [],
  updatedAt: 1,
};

let dir = '';
let rendererDir = '';
let bus: EventBus;
let control: ControlServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-app-protocol-'));
  rendererDir = path.join(dir, 'renderer');
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>DFS Desktop</title>');
  await writeFile(path.join(rendererDir, 'assets', 'index-abc.js'), 'console.log("dashboard")');
  await writeFile(path.join(dir, 'secret.txt'), 'outside the renderer');
  bus = new EventBus();
  const context = {
    bus,
    logs: new LogStore(bus),
    profiles: new ProfileStore(path.join(dir, 'data')),
    watchedFolders: null,
    rendererDir: null,
    snapshot: () => snapshot,
    backend: () => {
      throw new Error('no backend in this test');
    },
    ops: () => {
      throw new Error('no cluster in this test');
    },
    activate: async () => {},
    onInternalError: () => {},
  } as unknown as ControlContext;
  control = await startControlServer(context, TOKEN);
});

afterAll(async () => {
  await control.close();
  await rm(dir, { recursive: true, force: true });
});

function appProtocol(api: () => ApiEndpoint | null = () => ({ port: control.port, token: TOKEN }), extra: Partial<ConstructorParameters<typeof AppProtocol>[0]> = {}): AppProtocol {
  return new AppProtocol({ rendererDir, api, ...extra });
}

const get = (protocol: AppProtocol, url: string, init?: RequestInit) => protocol.handle(new Request(url, init));

describe('the dashboard files', () => {
  const app = () => appProtocol();

  it('serves index.html with the CSP header and no caching', async () => {
    const res = await get(app(), 'app://dfs/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('<title>DFS Desktop</title>');
  });

  it('serves fingerprinted assets with their type, cached for good', async () => {
    const res = await get(app(), 'app://dfs/assets/index-abc.js');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(await res.text()).toBe('console.log("dashboard")');
  });

  it('answers / and client-side routes with index.html, a missing asset with 404', async () => {
    expect(await (await get(app(), 'app://dfs/')).text()).toContain('DFS Desktop');
    expect(await (await get(app(), 'app://dfs/files/docs')).text()).toContain('DFS Desktop');
    const missing = await get(app(), 'app://dfs/assets/gone.js');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe('not_found');
  });

  it('never serves a file outside the renderer directory', async () => {
    for (const url of ['app://dfs/../secret.txt', 'app://dfs/%2e%2e/secret.txt', 'app://dfs/..%2fsecret.txt', 'app://dfs/assets/..%2f..%2fsecret.txt']) {
      const res = await get(app(), url);
      expect(await res.text(), url).not.toContain('outside the renderer');
    }
  });

  it('refuses writes outside /api', async () => {
    const res = await get(app(), 'app://dfs/index.html', { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
  });
});

describe('/api forwarded to the manager', () => {
  it('carries the app\'s state changes past the manager\'s cross-site check, which refuses the same page headers sent directly', async () => {
    const pageHeaders = { origin: 'app://dfs', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' };
    const body = JSON.stringify({ nodes: [{ id: 1, httpUrl: 'http://10.0.0.1:8081' }] });
    const direct = await fetch(`http://127.0.0.1:${control.port}/api/profiles/lab`, { method: 'PUT', headers: { ...pageHeaders, authorization: `Bearer ${TOKEN}` }, body });
    expect(direct.status).toBe(403);
    const viaApp = await get(appProtocol(), 'app://dfs/api/profiles/lab', { method: 'PUT', headers: pageHeaders, body });
    expect(viaApp.status).toBe(200);
    expect(((await viaApp.json()) as { profiles: { name: string }[] }).profiles.map((p) => p.name)).toContain('lab');
  });

  it('adds the token: the control API answers, and the token never appears in the answer', async () => {
    const res = await get(appProtocol(), 'app://dfs/api/cluster');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual(snapshot);
    expect(text).not.toContain(TOKEN);
    expect([...res.headers.values()].join(' ')).not.toContain(TOKEN);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('ignores credentials the page sends itself', async () => {
    const res = await get(appProtocol(), 'app://dfs/api/cluster', { headers: { authorization: 'Bearer forged', cookie: 'dfs_token_1=forged' } });
    expect(res.status).toBe(200);
  });

  it('a wrong launch token is refused by the manager (the forwarder adds exactly what it was given)', async () => {
    const res = await get(appProtocol(() => ({ port: control.port, token: 'wrong' })), 'app://dfs/api/cluster');
    expect(res.status).toBe(401);
  });

  it('passes the manager’s errors through as they are', async () => {
    const res = await get(appProtocol(), 'app://dfs/api/no-such-route');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('answers 503 while the manager is not running', async () => {
    const res = await get(appProtocol(() => null), 'app://dfs/api/cluster');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'unavailable' });
  });

  it('answers 503 when the manager does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const res = await get(appProtocol(() => ({ port, token: TOKEN })), 'app://dfs/api/cluster');
    expect(res.status).toBe(503);
  });

  it('refuses the routes the page may not call, without reaching the manager', async () => {
    const protocol = appProtocol(undefined, {
      refusedRoutes: [{ method: 'POST', pattern: /^\/api\/watched-folders$/, reason: 'choose the folder in the app' }],
    });
    const res = await get(protocol, 'app://dfs/api/watched-folders', { method: 'POST', body: '{"path":"/home/me/.ssh"}' });
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({ error: 'method_not_allowed', detail: 'choose the folder in the app' });
  });

  it('streams Server-Sent Events as they happen, and closes the upstream when the page goes away', async () => {
    const protocol = appProtocol();
    const res = await get(protocol, 'app://dfs/api/events?logs=0');
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const readUntil = async (text: string) => {
      while (!received.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${text}`);
        received += decoder.decode(value, { stream: true });
      }
    };
    await readUntil('event: snapshot');
    expect(protocol.openEventStreams).toBe(1);
    bus.emit('leaderChange', { time: 5, term: 7, leaderId: 3 });
    await readUntil('"term":7');
    protocol.closeEventStreams();
    await expect(readUntil('never')).rejects.toThrow();
    await waitFor('no open event stream', () => protocol.openEventStreams === 0);
  });
});

describe('forwarding details (against a recording server)', () => {
  let server: Server;
  let port = 0;
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
  const streams = new Set<ServerResponse>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/api/stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': open\n\n');
        streams.add(res);
        res.on('close', () => streams.delete(res));
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(req.method === 'DELETE' ? 204 : 201, { 'content-type': 'application/json', 'set-cookie': 'x=1', 'x-upload-id': 'u1' });
        res.end(req.method === 'DELETE' ? undefined : '{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  afterEach(() => {
    seen.length = 0;
  });

  const recorder = (extra = {}) => appProtocol(() => ({ port, token: TOKEN }), extra);

  it('streams a request body through with method, path, query and the bearer token; drops the page’s origin details', async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 64 * 1024) controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
        controller.close();
      },
    });
    const res = await recorder().handle(
      new Request('app://dfs/api/files/docs/a%20b.bin?node=2', {
        method: 'PUT',
        body,
        duplex: 'half',
        headers: { 'x-upload-id': 'u1', origin: 'app://dfs', referer: 'app://dfs/index.html', cookie: 'c=1', 'sec-fetch-site': 'cross-site' },
      } as RequestInit),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('x-upload-id')).toBe('u1');
    expect(res.headers.get('set-cookie')).toBeNull();
    const [request] = seen;
    expect(request?.method).toBe('PUT');
    expect(request?.url).toBe('/api/files/docs/a%20b.bin?node=2');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers.host).toBe(`127.0.0.1:${port}`);
    expect(request?.headers['x-upload-id']).toBe('u1');
    expect(request?.headers.origin).toBeUndefined();
    expect(request?.headers.referer).toBeUndefined();
    expect(request?.headers['sec-fetch-site']).toBeUndefined();
    expect(request?.headers.cookie).toBeUndefined();
    expect(Buffer.compare(request!.body, Buffer.from(bytes))).toBe(0);
  });

  it('a 204 has no body', async () => {
    const res = await recorder().handle(new Request('app://dfs/api/files/x', { method: 'DELETE' }));
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });

  it('keeps at most maxEventStreams open: a new one closes the oldest upstream', async () => {
    const protocol = recorder({ maxEventStreams: 1 });
    const first = await protocol.handle(new Request('app://dfs/api/stream'));
    await waitFor('one stream at the manager', () => streams.size === 1);
    const second = await protocol.handle(new Request('app://dfs/api/stream'));
    await waitFor('one stream at each end', () => streams.size === 1 && protocol.openEventStreams === 1);
    const reader = first.body!.getReader();
    const drain = async (): Promise<void> => {
      for (;;) if ((await reader.read()).done) return;
    };
    await expect(drain()).rejects.toThrow();
    await second.body!.cancel();
    await waitFor('no stream at the manager', () => streams.size === 0);
  });

  it('cancelling the response body (the page closed its EventSource) closes the upstream', async () => {
    const protocol = recorder();
    const res = await protocol.handle(new Request('app://dfs/api/stream'));
    await waitFor('one stream at the manager', () => streams.size === 1);
    await res.body!.cancel();
    await waitFor('no stream at either end', () => streams.size === 0 && protocol.openEventStreams === 0);
  });
});
