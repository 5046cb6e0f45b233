// Loopback throughput of the peer transport between two nodes: Raft messages per second
// (append messages carrying one 128-byte entry, handed over the way a driver hands a Ready's
// messages: many per send() call) and chunk MiB/s for pushes and fetches of 4 MiB chunks,
// hash-verified on arrival as the real chunk store does. Prints one JSON line.
//
//   npx tsx bench/transport-throughput.ts
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Message } from '../node-runtime/raft/types';
import { ChunkIntegrityError, PeerTransport, type InboundHandlers } from '../node-runtime/transport';

const MESSAGES = 500_000;
const MESSAGES_PER_SEND = 64;
const CHUNK_BYTES = 4 * 1024 * 1024;
const CHUNKS = 64;
const CONCURRENT_PUSHES = 4;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function node(id: number, onMessage: (m: Message) => void): { transport: PeerTransport; inbound: InboundHandlers; chunks: Map<string, Buffer> } {
  const chunks = new Map<string, Buffer>();
  const transport = new PeerTransport({
    selfId: id,
    listen: { host: '127.0.0.1', port: 0 },
    peers: new Map(),
    secret: 'bench-secret',
    selfHttpUrl: `http://127.0.0.1:${8080 + id}`,
  });
  const inbound: InboundHandlers = {
    onMessage,
    onUnreachable: () => undefined,
    storeChunk: async (hash, body, size) => {
      const hasher = createHash('sha256');
      const parts: Buffer[] = [];
      for await (const part of body as AsyncIterable<Buffer>) {
        hasher.update(part);
        parts.push(part);
      }
      const data = Buffer.concat(parts);
      if (data.length !== size || hasher.digest('hex') !== hash) throw new ChunkIntegrityError(hash, 'mismatch');
      chunks.set(hash, data);
    },
    openChunk: async (hash) => {
      const data = chunks.get(hash);
      return data ? Readable.from([data]) : null;
    },
  };
  return { transport, inbound, chunks };
}

let received = 0;
let onAllReceived: (() => void) | undefined;
const a = node(1, () => undefined);
const b = node(2, () => {
  received++;
  if (received === MESSAGES) onAllReceived?.();
});
await a.transport.start(a.inbound);
await b.transport.start(b.inbound);
a.transport.addPeer(2, { host: '127.0.0.1', port: b.transport.address().port });
b.transport.addPeer(1, { host: '127.0.0.1', port: a.transport.address().port });
while (a.transport.peerStatus()[2]?.connected !== true) await new Promise((resolve) => setTimeout(resolve, 5));

// Messages: one send() per event-loop turn, as a driver hands over one Ready's messages at a time.
const entryData = randomBytes(128);
const done = new Promise<void>((resolve) => {
  onAllReceived = resolve;
});
const messagesStart = performance.now();
for (let index = 0; index < MESSAGES; index += MESSAGES_PER_SEND) {
  const batch: Message[] = [];
  for (let i = index; i < Math.min(MESSAGES, index + MESSAGES_PER_SEND); i++) {
    batch.push({ type: 'app', from: 1, to: 2, term: 3, logTerm: 3, index: i, commit: i, reject: false, rejectHint: 0, entries: [{ term: 3, index: i + 1, kind: 'normal', data: entryData }] });
  }
  a.transport.send(batch);
  await new Promise((resolve) => setImmediate(resolve));
}
await done;
const messagesSeconds = (performance.now() - messagesStart) / 1000;
const status = a.transport.peerStatus()[2];

// Chunks: pushes with a few in flight (as a leader replicating a file), then fetches.
const chunks = Array.from({ length: CHUNKS }, () => randomBytes(CHUNK_BYTES));
const hashes = chunks.map(sha256);
const pushStart = performance.now();
for (let i = 0; i < CHUNKS; i += CONCURRENT_PUSHES) {
  await Promise.all(
    chunks.slice(i, i + CONCURRENT_PUSHES).map((data, j) => a.transport.pushChunk(2, hashes[i + j] ?? '', data.length, () => Readable.from([data]))),
  );
}
const pushSeconds = (performance.now() - pushStart) / 1000;
const fetchStart = performance.now();
for (const hash of hashes) {
  const stream = await a.transport.fetchChunk(2, hash);
  const hasher = createHash('sha256');
  for await (const part of stream as AsyncIterable<Buffer>) hasher.update(part);
  if (hasher.digest('hex') !== hash) throw new Error(`fetched chunk ${hash} does not match`);
}
const fetchSeconds = (performance.now() - fetchStart) / 1000;

await a.transport.close();
await b.transport.close();

const mib = (CHUNKS * CHUNK_BYTES) / (1024 * 1024);
process.stdout.write(
  `${JSON.stringify({
    bench: 'transport-throughput',
    node: process.version,
    messages: MESSAGES,
    messagesPerSecond: Math.round(MESSAGES / messagesSeconds),
    framesSent: status?.framesSent,
    messagesDropped: status?.messagesDropped,
    chunkBytes: CHUNK_BYTES,
    chunks: CHUNKS,
    pushMiBPerSecond: Math.round(mib / pushSeconds),
    fetchMiBPerSecond: Math.round(mib / fetchSeconds),
  })}\n`,
);
