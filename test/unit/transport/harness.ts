// Loopback clusters of real PeerTransports for the transport tests: free ports, an in-memory
// chunk store that verifies hashes like the real one must, and polling with a deadline
// (test/support/wait-for.ts, re-exported here).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Message, MessageType } from '../../../node-runtime/raft/types';
import { ChunkIntegrityError, PeerTransport, type InboundHandlers, type PeerTransportOptions } from '../../../node-runtime/transport';
import { waitFor } from '../../support/wait-for';

export { waitFor };

export function message(from: number, to: number, fields: Partial<Message> & { type?: MessageType } = {}): Message {
  return { type: 'heartbeat', from, to, term: 1, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...fields };
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface TestNode {
  readonly id: number;
  readonly transport: PeerTransport;
  /** What start() hands the transport: records messages, unreachable reports and closed streams, stores chunks in `chunks`. */
  readonly inbound: InboundHandlers;
  readonly received: Message[];
  readonly unreachable: number[];
  /** Peers whose stream to this node closed under it. */
  readonly closed: number[];
  readonly chunks: Map<string, Buffer>;
  port: number;
}

export type NodeOverrides = Partial<Omit<PeerTransportOptions, 'selfId'> & Pick<InboundHandlers, 'storeChunk' | 'openChunk'>>;

/** A transport with an in-memory chunk store; not started (start it with `transport.start(inbound)`). */
export function createNode(id: number, overrides: NodeOverrides = {}): TestNode {
  const received: Message[] = [];
  const unreachable: number[] = [];
  const closed: number[] = [];
  const chunks = new Map<string, Buffer>();
  const { storeChunk, openChunk, ...options } = overrides;
  const inbound: InboundHandlers = {
    onMessage: (m) => received.push(m),
    onUnreachable: (peer) => unreachable.push(peer),
    onConnectionClosed: (peer) => closed.push(peer),
    storeChunk: async (hash, body, size) => {
      const parts: Buffer[] = [];
      for await (const part of body as AsyncIterable<Buffer>) parts.push(part);
      const data = Buffer.concat(parts);
      if (data.length !== size) throw new ChunkIntegrityError(hash, `expected ${size} bytes, got ${data.length}`);
      if (sha256(data) !== hash) throw new ChunkIntegrityError(hash, 'content does not match its hash');
      chunks.set(hash, data);
    },
    openChunk: async (hash) => {
      const data = chunks.get(hash);
      return data ? Readable.from([data]) : null;
    },
    ...(storeChunk && { storeChunk }),
    ...(openChunk && { openChunk }),
  };
  const transport = new PeerTransport({
    selfId: id,
    listen: { host: '127.0.0.1', port: 0 },
    peers: new Map(),
    secret: 'test-secret',
    selfHttpUrl: `http://127.0.0.1:${8080 + id}`,
    random: () => 0.5,
    backoff: { initialMs: 10, maxMs: 100 },
    ...options,
  });
  return { id, transport, inbound, received, unreachable, closed, chunks, port: 0 };
}

/** Starts `ids` on free loopback ports and makes every node a peer of every other. */
export async function startCluster(ids: readonly number[], overrides: NodeOverrides = {}): Promise<TestNode[]> {
  const nodes = ids.map((id) => createNode(id, overrides));
  for (const node of nodes) {
    await node.transport.start(node.inbound);
    node.port = node.transport.address().port;
  }
  for (const node of nodes) {
    for (const peer of nodes) if (peer !== node) node.transport.addPeer(peer.id, { host: '127.0.0.1', port: peer.port });
  }
  return nodes;
}

export function connectedAll(nodes: readonly TestNode[]): boolean {
  return nodes.every((node) => {
    const status = node.transport.peerStatus();
    return nodes.every((peer) => peer === node || status[peer.id]?.connected === true);
  });
}
