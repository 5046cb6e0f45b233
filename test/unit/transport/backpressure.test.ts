import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboundQueue } from '../../../node-runtime/transport/outbound-queue';
import { backoffDelay } from '../../../node-runtime/transport/backoff';
import { createNode, message, type TestNode, waitFor } from './harness';

describe('outbound queue bound', () => {
  const limits = { maxQueueBytes: 100, maxQueueMessages: 4, maxFrameBytes: 1000 };
  const item = (size: number, bulk: boolean) => ({ bytes: Buffer.alloc(size), bulk });

  it('drops the newest bulk message when full, and never exceeds its bounds', () => {
    const queue = new OutboundQueue(limits);
    expect(queue.push(item(60, true))).toBe(0);
    expect(queue.push(item(60, true))).toBe(1);
    expect(queue.bytes).toBe(60);
    for (let i = 0; i < 3; i++) expect(queue.push(item(10, false))).toBe(0);
    expect(queue.length).toBe(4);
    expect(queue.push(item(1, true))).toBe(1);
  });

  it('lets control messages evict the oldest bulk ones so elections keep working', () => {
    const queue = new OutboundQueue(limits);
    queue.push(item(50, true));
    queue.push(item(40, true));
    expect(queue.push(item(20, false))).toBe(1);
    expect(queue.takeBatch(1000).map((b) => b.length)).toEqual([40, 20]);
  });

  it('admits one oversized message into an empty queue (a large snapshot must still go)', () => {
    const queue = new OutboundQueue(limits);
    expect(queue.push(item(500, true))).toBe(0);
    expect(queue.push(item(1, false))).toBe(1);
  });

  it('cuts batches at the frame size but always takes at least one message', () => {
    const queue = new OutboundQueue({ ...limits, maxQueueBytes: 10_000 });
    for (const size of [300, 300, 300, 2000]) queue.push(item(size, true));
    expect(queue.takeBatch(700)).toHaveLength(2);
    expect(queue.takeBatch(700)).toHaveLength(1);
    expect(queue.takeBatch(700)).toHaveLength(1);
    expect(queue.bytes).toBe(0);
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially to a cap, with jitter in the upper half', () => {
    const policy = { initialMs: 50, maxMs: 2000 };
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(policy, n, () => 0))).toEqual([25, 50, 100, 200, 1000]);
    expect([0, 1, 10, 1000].map((n) => backoffDelay(policy, n, () => 0.999999))).toEqual([50, 100, 2000, 2000]);
  });
});

describe('a follower that stops reading', () => {
  let sink: Server | undefined;
  const sinkSockets: Socket[] = [];
  let node: TestNode | undefined;

  afterEach(async () => {
    await node?.transport.close();
    for (const socket of sinkSockets) socket.destroy();
    await new Promise((resolve) => sink?.close(resolve));
  });

  it('keeps the queue bounded, drops messages and reports the peer unreachable', async () => {
    // Accepts the stream handshake, then never reads another byte.
    sink = createServer((socket) => {
      sinkSockets.push(socket);
      let head = '';
      const onData = (data: Buffer): void => {
        head += data.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        socket.pause();
        socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: dfs-raft/1\r\n\r\n');
      };
      socket.on('data', onData);
    });
    await new Promise<void>((resolve) => sink?.listen(0, '127.0.0.1', resolve));
    const sinkPort = (sink.address() as { port: number }).port;

    const maxQueueBytes = 1024 * 1024;
    node = createNode(1, { limits: { maxQueueBytes } });
    await node.transport.start(node.inbound);
    node.transport.addPeer(2, { host: '127.0.0.1', port: sinkPort });
    const peer = (): NonNullable<ReturnType<TestNode['transport']['peerStatus']>[number]> => {
      const status = node?.transport.peerStatus()[2];
      if (!status) throw new Error('no status for peer 2');
      return status;
    };
    await waitFor('the stream to the sink', () => peer().connected);

    const data = new Uint8Array(64 * 1024);
    let index = 0;
    let maxQueued = 0;
    const deadline = Date.now() + 20_000;
    while (!node.unreachable.includes(2)) {
      if (Date.now() > deadline) throw new Error(`no backpressure after ${index} messages: ${JSON.stringify(peer())}`);
      const batch = Array.from({ length: 8 }, () => message(1, 2, { type: 'app', entries: [{ term: 1, index: ++index, kind: 'normal', data }] }));
      node.transport.send(batch);
      maxQueued = Math.max(maxQueued, peer().queuedBytes);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(maxQueued).toBeLessThanOrEqual(maxQueueBytes);
    expect(peer().messagesDropped).toBeGreaterThan(0);
    expect(peer().connected).toBe(true);
    // The socket really filled up first: far more left than the queue can hold.
    expect(peer().bytesSent).toBeGreaterThan(maxQueueBytes);

    // Heartbeats still find room in the full queue (bulk data is evicted for them).
    for (let i = 0; i < 100; i++) node.transport.send([message(1, 2, { type: 'heartbeat' })]);
    expect(peer().queuedMessages).toBeGreaterThanOrEqual(100);
    expect(peer().queuedBytes).toBeLessThanOrEqual(maxQueueBytes);
    expect(node.unreachable.filter((id) => id === 2)).toHaveLength(1);
  });
});
