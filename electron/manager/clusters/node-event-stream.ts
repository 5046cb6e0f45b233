// One remote node's pushed events (`GET /events`, Server-Sent Events), read through the cluster's
// NodeAccess (its CA, its token, its nodes only). Each event is checked against the schema before
// it is passed on; a malformed one is dropped, not trusted. A stream that drops, answers an error
// or goes silent past the node's keep-alive pings is reported down and reopened with capped
// exponential backoff; meanwhile the manager's polls are the only source for that node.
import type { ClientRequest, IncomingMessage } from 'node:http';
import { nodeEventSchema, type NodeEvent } from '../../../node-runtime/common/node-events';
import type { NodeAccess } from './node-access';
import { SseParser } from './sse-parser';

export interface NodeEventStreamOptions {
  readonly onEvent: (event: NodeEvent) => void;
  /** The stream is open (true) or dropped (false); called on every change. */
  readonly onOpen?: (open: boolean) => void;
  readonly initialRetryMs?: number;
  readonly maxRetryMs?: number;
  /** Silence this long means a dead connection (the node pings every 15 s). */
  readonly idleTimeoutMs?: number;
}

export class NodeEventStream {
  private request: ClientRequest | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private open = false;
  private closed = false;

  constructor(
    private readonly nodeId: number,
    private readonly httpUrl: string,
    private readonly access: NodeAccess,
    private readonly options: NodeEventStreamOptions,
  ) {
    this.connect();
  }

  /** Ends the stream for good: no reconnect, the socket is destroyed. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.dropRequest();
    this.setOpen(false);
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.closed) return;
    const req = this.access.request(new URL('/events', this.httpUrl), { method: 'GET', headers: { accept: 'text/event-stream' } });
    this.request = req;
    const dropped = () => this.dropped(req);
    req.once('error', dropped);
    req.once('close', dropped);
    req.once('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        dropped();
        return;
      }
      this.attempt = 0;
      this.setOpen(true);
      this.touch(req);
      const parser = new SseParser();
      res.on('data', (chunk: Buffer) => {
        this.touch(req);
        for (const message of parser.push(chunk)) if (message.event === 'node') this.deliver(message.data);
      });
      res.once('end', dropped);
      res.once('error', dropped);
    });
    req.end();
  }

  private deliver(data: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    const event = nodeEventSchema.safeParse(parsed);
    // An event about another node is not this node's to tell.
    if (event.success && event.data.node === this.nodeId) this.options.onEvent(event.data);
  }

  /** Restarts the silence timer: data or a ping arrived. */
  private touch(req: ClientRequest): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.dropped(req), this.options.idleTimeoutMs ?? 40_000);
  }

  private dropped(req: ClientRequest): void {
    if (this.request !== req) return;
    this.dropRequest();
    this.setOpen(false);
    if (this.closed) return;
    const initial = this.options.initialRetryMs ?? 200;
    const delay = Math.min(this.options.maxRetryMs ?? 5_000, initial * 2 ** Math.min(this.attempt, 20));
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private dropRequest(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const req = this.request;
    this.request = null;
    req?.destroy();
  }

  private setOpen(open: boolean): void {
    if (this.open === open) return;
    this.open = open;
    this.options.onOpen?.(open);
  }
}
