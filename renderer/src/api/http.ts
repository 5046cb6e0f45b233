// JSON requests to the manager's `/api` routes, with the bearer token when we have one.
import { RequestError, errorFromBody } from './request-error';

export interface RequestOptions {
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiClient {
  /** Resolves with the parsed JSON body (undefined for an empty body); rejects with RequestError. */
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** Resolves with the body as text (a file's bytes, decoded as UTF-8); rejects with RequestError. */
  requestText(path: string, options?: Pick<RequestOptions, 'signal' | 'headers'>): Promise<string>;
  /** A URL the browser can open directly (links, EventSource), carrying the token as a query. */
  linkUrl(path: string): string;
  /** Headers to add to requests made outside `request` (uploads). */
  authHeaders(): Record<string, string>;
}

export function withTokenQuery(path: string, token: string | null): string {
  if (token === null) return path;
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

export function createApiClient(token: string | null, fetchImpl: typeof fetch = (...args) => fetch(...args)): ApiClient {
  const authHeaders = (): Record<string, string> => (token === null ? {} : { Authorization: `Bearer ${token}` });
  return {
    authHeaders,
    linkUrl: (path) => withTokenQuery(path, token),
    async requestText(path, options = {}) {
      let response: Response;
      try {
        response = await fetchImpl(path, { headers: { ...authHeaders(), ...options.headers }, signal: options.signal });
      } catch (err) {
        if (err instanceof DOMException && err.name === 'AbortError') throw err;
        throw new RequestError('network', 'the cluster manager did not answer', 0);
      }
      const text = await response.text();
      if (!response.ok) throw errorFromBody(response.status, parseOrUndefined(text), text.slice(0, 200));
      return text;
    },
    async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
      const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders(), ...options.headers };
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      let response: Response;
      try {
        response = await fetchImpl(path, { method, headers, body, signal: options.signal });
      } catch (err) {
        if (err instanceof DOMException && err.name === 'AbortError') throw err;
        throw new RequestError('network', 'the cluster manager did not answer', 0);
      }
      const text = await response.text();
      const parsed = parseOrUndefined(text);
      if (!response.ok) throw errorFromBody(response.status, parsed, text.slice(0, 200));
      return parsed as T;
    },
  };
}

function parseOrUndefined(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
