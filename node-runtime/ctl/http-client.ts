// dfsctl's way to the cluster: HTTP(S) requests to any of the --endpoints. A node that cannot be
// reached (refused, unknown host, connect timeout) is skipped for the next one, and the one that
// answered is tried first from then on. A request whose body may have reached a node is never
// sent again: its outcome is unknown, and a second copy could apply twice.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { CtlError, EXIT, exitCodeOfStatus } from './exit-codes';

export interface ClientOptions {
  readonly endpoints: readonly string[];
  /** Bearer token for client routes (DFS_API_TOKEN). */
  readonly token?: string;
  /** PEM certificate(s) of the CA that signed the nodes' TLS certificates. */
  readonly ca?: string;
  readonly connectTimeoutMs?: number;
}

export interface RequestSpec {
  readonly method?: string;
  /** Path and query, starting with "/". */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Opens the body; called once per attempt, so a refused connection can move to the next node. */
  readonly body?: () => Readable | Buffer;
  /** Sends the cluster secret instead of the client token (membership changes need it). */
  readonly bearer?: string;
  /** Only this node (a scrub or a status is about one node, not the cluster). */
  readonly endpoint?: string;
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: http.IncomingMessage;
  readonly endpoint: string;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNECT_TIMEOUT']);

export class ClusterClient {
  private preferred = 0;

  constructor(private readonly options: ClientOptions) {
    if (options.endpoints.length === 0) throw new CtlError(EXIT.usage, 'no endpoints: give --endpoints host:port[,host:port…]');
  }

  get endpoints(): readonly string[] {
    return this.options.endpoints;
  }

  /** Sends the request to the first node that accepts a connection. */
  async request(spec: RequestSpec): Promise<Answer> {
    const order = spec.endpoint ? [spec.endpoint] : this.rotation();
    const failures: string[] = [];
    for (const endpoint of order) {
      try {
        const answer = await this.send(endpoint, spec);
        this.preferred = Math.max(0, this.options.endpoints.indexOf(endpoint));
        return answer;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (!UNREACHABLE.has(code)) throw new CtlError(EXIT.failed, `${spec.method ?? 'GET'} ${endpoint}${spec.path}: ${(err as Error).message}`);
        failures.push(`${endpoint} (${code})`);
      }
    }
    throw new CtlError(EXIT.unreachable, `no node answered: ${failures.join(', ')}`);
  }

  /** The request's JSON answer; an error status becomes a CtlError with the node's own words. */
  async json<T>(spec: RequestSpec): Promise<T> {
    const answer = await this.request(spec);
    const text = await readText(answer.body);
    if (answer.status >= 400) throw apiError(spec, answer, text);
    return (text.length > 0 ? JSON.parse(text) : null) as T;
  }

  private rotation(): string[] {
    const all = this.options.endpoints;
    return [...all.slice(this.preferred), ...all.slice(0, this.preferred)];
  }

  private send(endpoint: string, spec: RequestSpec): Promise<Answer> {
    const url = new URL(spec.path, endpoint);
    const secure = url.protocol === 'https:';
    const bearer = spec.bearer ?? this.options.token;
    return new Promise((resolve, reject) => {
      const body = spec.body?.();
      // Node sends a DELETE body without chunked framing: only its length keeps it one request.
      const length = Buffer.isBuffer(body) ? { 'content-length': String(body.length) } : {};
      const headers = { ...spec.headers, ...length, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) };
      const options = { method: spec.method ?? 'GET', headers, ...(secure && this.options.ca ? { ca: this.options.ca } : {}) };
      const req = (secure ? https : http).request(url, options, (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, endpoint }));
      const connectTimer = setTimeout(() => req.destroy(Object.assign(new Error('connect timeout'), { code: 'ECONNECT_TIMEOUT' })), this.options.connectTimeoutMs ?? 5_000);
      req.once('socket', (socket) => {
        if (!socket.connecting) clearTimeout(connectTimer);
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      req.once('close', () => clearTimeout(connectTimer));
      req.once('error', (err) => {
        // A body opened for a node that never answered is not left reading its file.
        if (body !== undefined && !Buffer.isBuffer(body)) body.destroy();
        reject(err);
      });
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else body.once('error', (err) => req.destroy(err)).pipe(req);
    });
  }
}

export async function readText(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export function apiError(spec: RequestSpec, answer: Answer, text: string): CtlError {
  let reason = text.trim().slice(0, 500);
  try {
    const body = JSON.parse(text) as { error?: string; detail?: string };
    if (body.error) reason = `${body.error}: ${body.detail ?? ''}`;
  } catch {
    // Not JSON (a proxy's page, say): the text itself is the best explanation there is.
  }
  return new CtlError(exitCodeOfStatus(answer.status), `${spec.method ?? 'GET'} ${spec.path} on ${answer.endpoint} answered ${answer.status}: ${reason}`);
}

/**
 * "host:port", ":port" or a URL → a base URL. Without a scheme it is https when a CA was given
 * (--cacert means the nodes speak TLS), else http.
 */
export function endpointUrl(text: string, secure: boolean): string {
  const trimmed = text.trim().replace(/\/+$/, '');
  if (/^https?:\/\//i.test(trimmed)) return trimmed;
  return `${secure ? 'https' : 'http'}://${trimmed.startsWith(':') ? `127.0.0.1${trimmed}` : trimmed}`;
}
