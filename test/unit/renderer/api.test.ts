import { describe, expect, it, vi } from 'vitest';
import { createApiClient, withTokenQuery } from '../../../renderer/src/api/http';
import { RequestError } from '../../../renderer/src/api/request-error';
import { takeToken } from '../../../renderer/src/api/token';
import { xhrUploader } from '../../../renderer/src/api/upload';

function memoryStorage() {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
}

describe('the web-mode token', () => {
  it('is taken from the URL once, kept for reloads, and stripped from the address bar', () => {
    const storage = memoryStorage();
    const history = { state: null, replaceState: vi.fn() };
    const token = takeToken({ location: { href: 'http://127.0.0.1:7070/?token=s3cret&x=1#files' }, history, storage });
    expect(token).toBe('s3cret');
    expect(history.replaceState).toHaveBeenCalledWith(null, '', '/?x=1#files');
    const reloaded = takeToken({ location: { href: 'http://127.0.0.1:7070/?x=1' }, history, storage });
    expect(reloaded).toBe('s3cret');
  });

  it('is simply absent in Electron (or with the cookie), and nothing breaks', () => {
    const history = { state: null, replaceState: vi.fn() };
    expect(takeToken({ location: { href: 'app://dashboard/index.html' }, history, storage: null })).toBeNull();
    expect(history.replaceState).not.toHaveBeenCalled();
    expect(withTokenQuery('/api/events', null)).toBe('/api/events');
    expect(withTokenQuery('/api/files/a?x=1', 't k')).toBe('/api/files/a?x=1&token=t%20k');
  });
});

describe('the API client', () => {
  it('sends the bearer token and JSON, and parses the answer', async () => {
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify({ ok: true }), { status: 202 }));
    const api = createApiClient('tok', fetchImpl as unknown as typeof fetch);
    await expect(api.request('POST', '/api/partition', { body: { groups: [[1], [2, 3]] } })).resolves.toEqual({ ok: true });
    const [path, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe('/api/partition');
    expect(init.headers).toMatchObject({ Authorization: 'Bearer tok', 'Content-Type': 'application/json' });
    expect(init.body).toBe('{"groups":[[1],[2,3]]}');
  });

  it('sends no Authorization header without a token', async () => {
    const fetchImpl = vi.fn(async () => new Response(null, { status: 204 }));
    await createApiClient(null, fetchImpl as unknown as typeof fetch).request('DELETE', '/api/partition');
    const [, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.headers).not.toHaveProperty('Authorization');
  });

  it('turns an error body into a RequestError, and a dead manager into "network"', async () => {
    const answer = vi.fn(async () => new Response(JSON.stringify({ error: 'no_quorum', detail: '1 of 3 nodes' }), { status: 503 }));
    const err = await createApiClient(null, answer as unknown as typeof fetch).request('GET', '/api/files').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect(err).toMatchObject({ code: 'no_quorum', detail: '1 of 3 nodes', status: 503 });
    const dead = vi.fn(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(createApiClient(null, dead as unknown as typeof fetch).request('GET', '/api/files')).rejects.toMatchObject({ code: 'network', status: 0 });
  });
});

describe('an upload', () => {
  /** Records what the uploader asked of XMLHttpRequest; it never sends anything. */
  class RecordingXhr {
    static last: RecordingXhr | null = null;
    readonly headers: Record<string, string> = {};
    readonly upload = { onprogress: null };
    opened = '';
    constructor() {
      RecordingXhr.last = this;
    }
    open(method: string, url: string) {
      this.opened = `${method} ${url}`;
    }
    setRequestHeader(key: string, value: string) {
      this.headers[key] = value;
    }
    send() {}
    abort() {}
  }

  it('carries the lock token when it has one, the bearer token and the upload\'s Idempotency-Key', () => {
    vi.stubGlobal('XMLHttpRequest', RecordingXhr);
    try {
      const start = xhrUploader(() => ({ Authorization: 'Bearer s3cret' }));
      start({ name: 'docs/a.txt', body: new Blob(['x']), uploadId: 'u-1', requestId: 'u-1-key', lockToken: 'tok-1', onProgress: () => undefined });
      expect(RecordingXhr.last?.opened).toBe('PUT /api/files/docs%2Fa.txt');
      expect(RecordingXhr.last?.headers).toMatchObject({ Authorization: 'Bearer s3cret', 'X-Upload-Id': 'u-1', 'Idempotency-Key': 'u-1-key', 'X-Lock-Token': 'tok-1' });
      start({ name: 'b.txt', body: new Blob(['x']), uploadId: 'u-2', requestId: 'u-2-key', onProgress: () => undefined });
      expect(RecordingXhr.last?.headers).not.toHaveProperty('X-Lock-Token');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
