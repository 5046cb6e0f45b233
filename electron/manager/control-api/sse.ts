// One Server-Sent Events connection: the current snapshot first, then every event from the bus,
// and a comment now and then so idle proxies and browsers keep the connection open.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus, ManagerEvent } from '../cluster-view/event-bus';

/** A slow reader loses log lines (never snapshots) instead of growing our memory without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface EventStreamOptions {
  readonly includeLogs: boolean;
  readonly heartbeatMs?: number;
}

/** `initial`: the current state a new subscriber gets before any change (snapshot first). */
export function openEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  bus: EventBus,
  initial: readonly ManagerEvent[],
  options: EventStreamOptions,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  req.socket.setNoDelay(true);
  const write = (event: ManagerEvent): void => {
    if (event.name === 'log' && (!options.includeLogs || res.writableLength > MAX_BUFFERED_BYTES)) return;
    res.write(`event: ${event.name}\ndata: ${JSON.stringify(event.data)}\n\n`);
  };
  res.write('retry: 1000\n\n');
  for (const event of initial) write(event);
  const unsubscribe = bus.subscribe(write);
  const heartbeat = setInterval(() => res.write(': ping\n\n'), options.heartbeatMs ?? 15_000);
  res.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}
