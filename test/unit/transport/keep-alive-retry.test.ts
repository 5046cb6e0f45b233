import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createNode, type TestNode } from './harness';

let peer: Server | undefined;
const peerSockets: Socket[] = [];
let node: TestNode | undefined;

afterEach(async () => {
  await node?.transport.close();
  for (const socket of peerSockets) socket.destroy();
  await new Promise((resolve) => peer?.close(resolve));
});

it('retries once on a fresh connection when a pooled one turns out to be dead', async () => {
  // A peer that answers the first request on a connection, then resets that connection when it
  // is reused: what a peer closing an idle keep-alive connection looks like to the reuser.
  const rpcConnections = new Set<Socket>();
  peer = createServer((socket) => {
    peerSockets.push(socket);
    let requests = 0;
    let pending = '';
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      if (!pending.includes('\r\n\r\n')) return;
      // The node's Raft stream knocks here too; only RPC connections matter.
      if (pending.startsWith('POST')) rpcConnections.add(socket);
      pending = '';
      requests++;
      if (requests > 1) socket.resetAndDestroy();
      else socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 6\r\nKeep-Alive: timeout=60\r\n\r\n"pong"');
    });
  });
  await new Promise<void>((resolve) => peer?.listen(0, '127.0.0.1', resolve));
  node = createNode(1);
  await node.transport.start(node.inbound);
  node.transport.addPeer(2, { host: '127.0.0.1', port: (peer.address() as { port: number }).port });

  await expect(node.transport.rpc(2, 'ping', null)).resolves.toBe('pong');
  await expect(node.transport.rpc(2, 'ping', null)).resolves.toBe('pong');
  expect(rpcConnections.size).toBe(2);
});
