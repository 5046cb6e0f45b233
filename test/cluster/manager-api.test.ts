// The control API over fake nodes: authentication, the Host check, SSE, commands, passthrough,
// the dashboard's static files and attach mode.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../electron/manager/manager';
import { makeTempDir, SseReader, startFakeManager, startReachableManager, waitFor } from '../fixtures/manager/helpers';

let manager: Manager;
let base: string;
let auth: Record<string, string>;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ manager, base, auth, stop } = await startReachableManager(async (dir) => {
    const rendererDir = path.join(dir, 'renderer');
    await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>DFS</title>');
    await writeFile(path.join(rendererDir, 'assets', 'app-1234.js'), 'console.log(1)');
    await writeFile(path.join(rendererDir, 'assets', 'app-1234.css'), 'body{}');
    return { rendererDir, watchFolders: true };
  }));
});

afterAll(() => stop?.());

/** A raw request with a chosen Host header (fetch does not let us forge it). */
function rawGet(pathname: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: manager.port, path: pathname, headers: { ...headers, host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('control API authentication', () => {
  it('answers 401 without a token and with a wrong one, 200 with the right one', async () => {
    const none = await fetch(`${base}/api/cluster`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'unauthorized' });
    expect((await fetch(`${base}/api/cluster`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/api/cluster?token=wrong`)).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(401);
    const ok = await fetch(`${base}/api/cluster`, { headers: auth });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a Host that is not ours, even with the token (DNS rebinding)', async () => {
    const evil = await rawGet('/api/cluster', `evil.example:${manager.port}`, auth);
    expect(evil.status).toBe(400);
    expect(JSON.parse(evil.body)).toMatchObject({ error: 'bad_request' });
    expect((await rawGet('/api/cluster', `127.0.0.1:${manager.port + 1}`, auth)).status).toBe(400);
    expect((await rawGet('/api/cluster', `localhost:${manager.port}`, auth)).status).toBe(200);
  });

  it('trades ?token= on a page load for an HttpOnly SameSite=Strict cookie', async () => {
    const first = await fetch(`${base}/?token=${manager.token}`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // The cookie set by Express (auth.ts's TOKEN_COOKIE) names this port and covers the whole origin.
    expect(cookie).toMatch(new RegExp(`^dfs_token_${manager.port}=${manager.token};`));
    expect(cookie).toMatch(/Path=\/(;|$)/);
    const withCookie = await fetch(`${base}/api/cluster`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(withCookie.status).toBe(200);
  });
});

describe('dashboard files', () => {
  it('serves the renderer with content types and falls back to index.html', async () => {
    const index = await fetch(`${base}/`, { headers: auth });
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>DFS</title>');
    expect((await fetch(`${base}/assets/app-1234.js`, { headers: auth })).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${base}/assets/app-1234.css`, { headers: auth })).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const route = await fetch(`${base}/files/some/folder`, { headers: auth });
    expect(await route.text()).toContain('<title>DFS</title>');
    expect((await fetch(`${base}/assets/missing.js`, { headers: auth })).status).toBe(404);
    // Confined to the renderer directory: a traversal lands on the client-side route fallback.
    expect(await (await fetch(`${base}/..%2f..%2fetc%2fpasswd`, { headers: auth })).text()).toContain('<title>DFS</title>');
    expect((await fetch(`${base}/api/nope`, { headers: auth })).status).toBe(404);
  });
});

describe('events and commands', () => {
  it('streams a snapshot first, then changes, then nothing while nothing changes', async () => {
    const sse = await SseReader.open(`${base}/api/events?token=${manager.token}`);
    try {
      const first = await sse.next('snapshot', () => true);
      expect(sse.events[0]?.name).toBe('snapshot');
      expect(first.data.nodes).toHaveLength(3);
      expect(first.data.nodes.every((n) => n.process?.state === 'running')).toBe(true);

      const mark = sse.events.length;
      const res = await fetch(`${base}/api/nodes/3/stop`, { method: 'POST', headers: auth });
      expect(res.status).toBe(202);
      const stopped = await sse.next('snapshot', (s) => s.nodes[2]?.process?.state === 'stopped', 5_000, mark);
      expect(stopped.data.nodes[2]).toMatchObject({ reachable: false, process: { pid: null, reason: 'stopped by user; exited with code 0' } });
      expect(stopped.data.health).toBe('degraded');
      await sse.next('log', (l) => l.nodeId === 3 && l.source === 'stdout' && l.msg === 'shutting down', 5_000, mark);

      // Quiet: two poll rounds (200 ms each) without any change publish no snapshot.
      const quietFrom = sse.events.filter((e) => e.name === 'snapshot').length;
      const since = Date.now();
      await waitFor('two quiet poll rounds', () => Date.now() - since > 600);
      expect(sse.events.filter((e) => e.name === 'snapshot').length).toBe(quietFrom);

      const restartMark = sse.events.length;
      await fetch(`${base}/api/nodes/3/start`, { method: 'POST', headers: auth });
      const back = await sse.next('snapshot', (s) => s.nodes[2]?.reachable === true && s.health === 'healthy', 10_000, restartMark);
      expect(back.data.nodes[2]?.process?.state).toBe('running');
    } finally {
      await sse.close();
    }
  });

  it('answers 404 for an unknown node and 409 for an action the state forbids', async () => {
    const unknown = await fetch(`${base}/api/nodes/9/kill`, { method: 'POST', headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
    const resume = await fetch(`${base}/api/nodes/1/resume`, { method: 'POST', headers: auth });
    expect(resume.status).toBe(409);
    expect((await fetch(`${base}/api/nodes/1/explode`, { method: 'POST', headers: auth })).status).toBe(404);
    expect((await fetch(`${base}/api/nodes/1/kill`, { headers: auth })).status).toBe(405);
  });

  it('matches routes exactly as written: no other case, no trailing slash', async () => {
    for (const route of ['/api/Cluster', '/api/cluster/']) {
      const res = await fetch(`${base}${route}`, { headers: auth });
      expect(res.status, route).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
    // Outside /api (any case) is the dashboard, whose client-side routes fall back to index.html.
    const page = await fetch(`${base}/API/cluster`, { headers: auth });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('refuses HEAD on the API like any method a route lacks (it would hold /api/events open)', async () => {
    for (const route of ['/api/cluster', '/api/events', '/api/files']) {
      const res = await fetch(`${base}${route}`, { method: 'HEAD', headers: auth, signal: AbortSignal.timeout(5_000) });
      expect(res.status, route).toBe(405);
    }
  });

  it('pauses a node with SIGSTOP (it stops answering) and resumes it', async () => {
    const askedAt = Date.now();
    expect((await fetch(`${base}/api/nodes/2/pause`, { method: 'POST', headers: auth })).status).toBe(202);
    // Every node was read as the pause was asked for, node 2 last before it went quiet: the view
    // counts its peers' silence from then, not from a routine poll before.
    expect(manager.snapshot().nodes.map((n) => (n.report?.receivedAt ?? 0) >= askedAt)).toEqual([true, true, true]);
    await waitFor('node 2 unreachable', () => manager.snapshot().nodes[1]?.process?.state === 'paused' && !manager.snapshot().nodes[1]?.reachable);
    expect((await fetch(`${base}/api/nodes/2/resume`, { method: 'POST', headers: auth })).status).toBe(202);
    await waitFor('node 2 reachable', () => manager.snapshot().nodes[1]?.reachable);
  });

  it('injects and heals a partition through every node, with the cluster secret', async () => {
    const res = await fetch(`${base}/api/partition`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ groups: [[1], [2, 3]] }) });
    expect(await res.json()).toEqual({ ok: true });
    const rules = await Promise.all(manager.snapshot().nodes.map(async (n) => ((await (await fetch(`${n.httpUrl}/internal/fault`)).json()) as { blockedPeers: number[] }).blockedPeers));
    expect(rules).toEqual([[2, 3], [1], [1]]);
    expect(manager.snapshot().nodes.map((n) => n.partitionedFrom)).toEqual([[2, 3], [1], [1]]);
    const bad = await fetch(`${base}/api/partition`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ groups: [[1], [7]] }) });
    expect(bad.status).toBe(400);

    // Rules live in a node's memory: a restarted node gets them back from the manager.
    const oldPid = manager.snapshot().nodes[1]?.process?.pid;
    expect((await fetch(`${base}/api/nodes/2/kill`, { method: 'POST', headers: auth })).status).toBe(202);
    await waitFor('node 2 restarted', () => manager.snapshot().nodes[1]?.reachable && manager.snapshot().nodes[1]?.process?.pid !== oldPid);
    const url = manager.snapshot().nodes[1]?.httpUrl;
    await waitFor('node 2 partitioned again', async () => ((await (await fetch(`${url}/internal/fault`)).json()) as { blockedPeers: number[] }).blockedPeers.join() === '1');

    expect((await fetch(`${base}/api/partition`, { method: 'DELETE', headers: auth })).status).toBe(200);
    await waitFor('partition healed', () => manager.snapshot().nodes.every((n) => n.partitionedFrom.length === 0));
  });

  it('streams an upload through to the leader with progress events', async () => {
    const sse = await SseReader.open(`${base}/api/events?logs=0`, auth);
    try {
      const body = Buffer.alloc(3 * 1024 * 1024, 7);
      const res = await fetch(`${base}/api/files/docs/big%20file.bin`, { method: 'PUT', headers: { ...auth, 'x-upload-id': 'up-1' }, body });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ name: 'docs/big file.bin', size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
      const done = await sse.next('upload', (u) => u.state === 'done');
      expect(done.data).toEqual({ uploadId: 'up-1', name: 'docs/big file.bin', bytesSent: body.length, totalBytes: body.length, state: 'done' });
      expect(sse.of('upload')[0]?.data).toMatchObject({ state: 'uploading', bytesSent: 0 });
      expect(sse.events.some((e) => e.name === 'log')).toBe(false);
    } finally {
      await sse.close();
    }
  });

  it('passes node errors through as they are', async () => {
    const res = await fetch(`${base}/api/locks`, { headers: auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found', detail: 'GET /locks' });
  });

  it('answers log queries from the ring buffers', async () => {
    const res = await fetch(`${base}/api/logs?node=1&level=info&limit=2`, { headers: auth });
    const lines = (await res.json()) as { nodeId: number }[];
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.nodeId === 1)).toBe(true);
    expect((await fetch(`${base}/api/logs?level=loud`, { headers: auth })).status).toBe(400);
  });
});

describe('watched folders', () => {
  it('uploads a watched folder\'s files and reports the folder over SSE', async () => {
    const folder = await makeTempDir('dfs-watched-');
    try {
      await writeFile(path.join(folder.dir, 'notes.txt'), 'watch me');
      const sse = await SseReader.open(`${base}/api/events?logs=0`, auth);
      try {
        await sse.next('watchedFolders', (list) => list.length === 0);
        expect(sse.events.map((e) => e.name).slice(0, 2)).toEqual(['snapshot', 'watchedFolders']);
        const json = { ...auth, 'content-type': 'application/json' };
        const added = await fetch(`${base}/api/watched-folders`, { method: 'POST', headers: json, body: JSON.stringify({ path: folder.dir, deletePolicy: 'mirror' }) });
        expect(added.status).toBe(201);
        const { id, remotePrefix, deletePolicy } = (await added.json()) as { id: string; remotePrefix: string; deletePolicy: string };
        expect(deletePolicy).toBe('mirror');
        const synced = await sse.next('watchedFolders', (list) => list[0]?.state === 'synced' && list[0].syncedFiles === 1, 15_000);
        expect(synced.data[0]).toMatchObject({ id, path: folder.dir, remotePrefix, failedFiles: 0, pendingFiles: 0, lastScan: { files: 1 } });
        expect((await fetch(`${base}/api/watched-folders`, { method: 'POST', headers: json, body: JSON.stringify({ path: 'relative/dir' }) })).status).toBe(400);
        const badPolicy = await fetch(`${base}/api/watched-folders/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ deletePolicy: 'all' }) });
        expect(badPolicy.status).toBe(400);
        expect(await badPolicy.json()).toMatchObject({ error: 'bad_request', detail: expect.any(String) });
        const patched = await fetch(`${base}/api/watched-folders/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ deletePolicy: 'upload-only', ignorePatterns: ['*.log'] }) });
        expect(await patched.json()).toMatchObject({ id, deletePolicy: 'upload-only', ignorePatterns: ['*.log'] });
        expect((await fetch(`${base}/api/watched-folders/${id}/rescan`, { method: 'POST', headers: auth })).status).toBe(202);
        expect((await fetch(`${base}/api/watched-folders/nope/rescan`, { method: 'POST', headers: auth })).status).toBe(404);
        expect((await fetch(`${base}/api/watched-folders/${id}`, { method: 'DELETE', headers: auth })).status).toBe(200);
        expect(await (await fetch(`${base}/api/watched-folders`, { headers: auth })).json()).toEqual([]);
      } finally {
        await sse.close();
      }
    } finally {
      await folder.remove();
    }
  });
});

describe('attach mode', () => {
  it('watches nodes by URL, refuses process actions with 409, and switches back', async () => {
    // Headless nodes "elsewhere": owned by a second manager this one knows nothing about.
    const remoteDir = await makeTempDir();
    const remote = await startFakeManager(remoteDir.dir);
    try {
      await waitFor('remote nodes reachable', () => remote.snapshot().nodes.every((n) => n.reachable));
      const nodes = remote.snapshot().nodes.map((n) => ({ id: n.id, httpUrl: n.httpUrl }));
      const secret = (await readFile(path.join(remoteDir.dir, 'cluster.secret'), 'utf8')).trim();
      const json = { ...auth, 'content-type': 'application/json' };
      const save = (name: string, body: unknown) => fetch(`${base}/api/profiles/${name}`, { method: 'PUT', headers: json, body: JSON.stringify(body) });
      expect((await save('remote', { nodes })).status).toBe(200);
      expect((await save('remote-with-secret', { nodes, secret })).status).toBe(200);
      expect((await save('local', { nodes })).status).toBe(400);
      expect((await save('bad', { nodes: [{ id: 1, httpUrl: 'ftp://x' }] })).status).toBe(400);

      expect((await fetch(`${base}/api/profiles/remote/activate`, { method: 'POST', headers: auth })).status).toBe(200);
      // Leaving the local profile stopped the local nodes.
      expect((await fetch(`${base}/api/cluster`, { headers: auth }).then((r) => r.json()) as { mode: string }).mode).toBe('attach');
      await waitFor('attached nodes reachable', () => manager.snapshot().nodes.every((n) => n.reachable));
      const snapshot = manager.snapshot();
      expect(snapshot).toMatchObject({ mode: 'attach', profile: 'remote', leaderId: 1, health: 'healthy' });
      expect(snapshot.nodes.every((n) => n.process === null && n.peerAddress === null)).toBe(true);

      expect((await fetch(`${base}/api/nodes/1/stop`, { method: 'POST', headers: auth })).status).toBe(409);
      expect((await fetch(`${base}/api/nodes/1/kill`, { method: 'POST', headers: auth })).status).toBe(409);
      expect((await fetch(`${base}/api/nodes`, { method: 'POST', headers: auth })).status).toBe(409);
      // No secret saved with this profile: faults cannot be injected.
      expect((await fetch(`${base}/api/partition`, { method: 'DELETE', headers: auth })).status).toBe(409);
      expect((await fetch(`${base}/api/profiles/remote`, { method: 'DELETE', headers: auth })).status).toBe(409);
      const upload = await fetch(`${base}/api/files/a.txt`, { method: 'PUT', headers: auth, body: 'hello' });
      expect(upload.status).toBe(201);

      expect((await fetch(`${base}/api/profiles/remote-with-secret/activate`, { method: 'POST', headers: auth })).status).toBe(200);
      const cut = await fetch(`${base}/api/partition`, { method: 'POST', headers: json, body: JSON.stringify({ groups: [[3]] }) });
      expect(await cut.json()).toEqual({ ok: true });
      const rules = await Promise.all(nodes.map(async (n) => ((await (await fetch(`${n.httpUrl}/internal/fault`)).json()) as { blockedPeers: number[] }).blockedPeers));
      expect(rules).toEqual([[3], [3], [1, 2]]);
      expect((await fetch(`${base}/api/partition`, { method: 'DELETE', headers: auth })).status).toBe(200);

      const list = (await (await fetch(`${base}/api/profiles`, { headers: auth })).json()) as { active: string; profiles: { name: string; hasSecret: boolean }[] };
      expect(list).toEqual({
        active: 'remote-with-secret',
        profiles: [
          { name: 'local', kind: 'local', nodes: [], hasSecret: true },
          { name: 'remote', kind: 'attach', nodes, hasSecret: false, hasToken: false, hasCa: false },
          { name: 'remote-with-secret', kind: 'attach', nodes, hasSecret: true, hasToken: false, hasCa: false },
        ],
      });
      expect(JSON.stringify(list)).not.toContain(secret);

      expect((await fetch(`${base}/api/profiles/local/activate`, { method: 'POST', headers: auth })).status).toBe(200);
      await waitFor('local nodes running again', () => manager.snapshot().mode === 'local' && manager.snapshot().nodes.every((n) => n.process?.state === 'running' && n.reachable), 20_000);
      expect((await fetch(`${base}/api/profiles/remote`, { method: 'DELETE', headers: auth })).status).toBe(200);
    } finally {
      await remote.stop();
      await remoteDir.remove();
    }
  });
});
