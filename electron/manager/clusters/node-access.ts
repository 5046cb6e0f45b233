// How the manager reaches one cluster's nodes (issue #15): over HTTPS verified against the
// cluster's CA when its URLs say https, with the cluster's client token and secret — each sent
// only to a URL whose origin is one of this cluster's own nodes, never to another host a URL or a
// redirect might name. Every request the manager makes to a node goes through here.
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

export interface NodeAccessOptions {
  /** PEM of the CA that signed the nodes' certificates; null trusts the system's CAs only. */
  readonly ca: string | null;
  /** The nodes' client API token (DFS_API_TOKEN), or null when they need none. */
  readonly token: string | null;
  /** The cluster secret (membership changes, fault rules), or null when unknown; asked at each use (a local cluster makes its own at start). */
  readonly secret: () => string | null;
  /** The cluster's own nodes, asked at each request (members come and go). */
  readonly ownNodes: () => readonly { readonly httpUrl: string }[];
}

/** What fetch() here takes: small bodies only (the streamed ones go through request()). */
export interface NodeFetchInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

export class NodeAccess {
  /** For nodes that need no credentials and speak plain HTTP or publicly trusted HTTPS. */
  static readonly none = new NodeAccess({ ca: null, token: null, secret: () => null, ownNodes: () => [] });

  private readonly plainAgent = new HttpAgent({ keepAlive: true });
  private readonly tlsAgent: HttpsAgent;

  constructor(private readonly options: NodeAccessOptions) {
    this.tlsAgent = new HttpsAgent({ keepAlive: true, ...(options.ca !== null && { ca: options.ca }) });
  }

  get hasSecret(): boolean {
    return this.options.secret() !== null;
  }

  /** Whether `url` points at one of this cluster's own nodes (same scheme, host and port). */
  isOwnNode(url: URL): boolean {
    return this.options.ownNodes().some((node) => new URL(node.httpUrl).origin === url.origin);
  }

  /** The client token for a request to `url`, or nothing when the URL is not one of the cluster's nodes. */
  clientHeaders(url: URL): Record<string, string> {
    return this.options.token !== null && this.isOwnNode(url) ? { authorization: `Bearer ${this.options.token}` } : {};
  }

  /** The cluster secret for a membership or fault call to `url`; null when there is none or `url` is not the cluster's. */
  secretHeaders(url: URL): Record<string, string> | null {
    const secret = this.options.secret();
    return secret !== null && this.isOwnNode(url) ? { authorization: `Bearer ${secret}` } : null;
  }

  /** A request to a node, the client token added when the node is the cluster's own; headers given win. */
  request(url: URL, options: RequestOptions): ClientRequest {
    const headers = { ...this.clientHeaders(url), ...(options.headers as Record<string, string> | undefined) };
    return url.protocol === 'https:'
      ? httpsRequest(url, { ...options, headers, agent: this.tlsAgent })
      : httpRequest(url, { ...options, headers, agent: this.plainAgent });
  }

  /** fetch() over request(): the global fetch cannot be told to trust a private CA. */
  fetch(input: URL | string, init: NodeFetchInit = {}): Promise<Response> {
    const url = new URL(input);
    return new Promise<Response>((resolve, reject) => {
      const req = this.request(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.signal && { signal: init.signal }) });
      req.once('error', reject);
      req.once('response', (answer: IncomingMessage) => resolve(toResponse(answer)));
      req.end(init.body);
    });
  }

  close(): void {
    this.plainAgent.destroy();
    this.tlsAgent.destroy();
  }
}

function toResponse(answer: IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const status = answer.statusCode ?? 502;
  const bodyless = status === 204 || status === 304;
  if (bodyless) answer.resume();
  return new Response(bodyless ? null : (Readable.toWeb(answer) as ReadableStream<Uint8Array>), { status, headers });
}
