// Snapshots in framing 2 (snapshot-stream.ts): the data as the sender stored it, then every
// content it names, each into the receiver's store as it arrives. Real PeerTransports on loopback;
// the content stores are maps (the node's is its pack: test/unit/node/pack-snapshot-contents.test.ts).
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../../node-runtime/raft/types';
import type { ContentRecord, SnapshotContents } from '../../../node-runtime/transport';
import { SNAPSHOT_STREAM_PATH } from '../../../node-runtime/transport/protocol';
import { readSnapshotStream, snapshotStreamBody } from '../../../node-runtime/transport/snapshot-stream';
import { CodecError } from '../../../node-runtime/transport';
import { createNode, message, type TestNode, waitFor } from './harness';

let nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.transport.close()));
  nodes = [];
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function snap(from: number, to: number, data: Uint8Array, index = 40): Message {
  const confState = { voters: [1, 2, 3], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  return message(from, to, { type: 'snap', term: 3, snapshot: { metadata: { index, term: 2, confState }, data } });
}

/** A content store in memory: `named` gives every content it holds, whatever the data. */
class MapContents implements SnapshotContents {
  readonly held = new Map<string, Buffer>();
  readonly received = new Map<string, Buffer>();
  syncs = 0;
  /** Received when each sync began: the snapshot must not reach Raft before its contents are synced. */
  readonly receivedAtSync: number[] = [];

  add(count: number, size: number): void {
    for (let i = 0; i < count; i++) {
      const bytes = randomBytes(size);
      this.held.set(sha256(bytes), bytes);
    }
  }

  async *named(): AsyncGenerator<ContentRecord> {
    for (const [hash, bytes] of this.held) yield { sha256: hash, bytes };
  }

  async withBytes(data: Uint8Array): Promise<Uint8Array> {
    return Buffer.concat([Buffer.from('WHOLE:'), data]);
  }

  receive(hash: string, bytes: Uint8Array): void {
    this.received.set(hash, Buffer.from(bytes));
  }

  async sync(): Promise<void> {
    this.syncs += 1;
    this.receivedAtSync.push(this.received.size);
  }
}

/** Nodes on loopback, each with its own contents store, or none (a release without framing 2). */
async function start(stores: (MapContents | undefined)[]): Promise<TestNode[]> {
  nodes = stores.map((_, i) => createNode(i + 1));
  for (const [i, node] of nodes.entries()) {
    const store = stores[i];
    await node.transport.start({ ...node.inbound, ...(store && { snapshotContents: store }) });
    node.port = node.transport.address().port;
  }
  for (const node of nodes) for (const peer of nodes) if (peer !== node) node.transport.addPeer(peer.id, { host: '127.0.0.1', port: peer.port });
  return nodes;
}

const snapshots = (node: TestNode): Message[] => node.received.filter((m) => m.type === 'snap');

describe('snapshots in framing 2', () => {
  it('carry the data as stored and every content, each checked and synced before Raft sees the snapshot', async () => {
    const [sender, receiver] = [new MapContents(), new MapContents()];
    sender.add(3000, 2048); // 6 MiB of contents after 1 MiB of data: many body pieces
    const [a, b] = (await start([sender, receiver])) as [TestNode, TestNode];
    const data = randomBytes(1024 * 1024);
    a.transport.send([snap(1, 2, data)]);
    await waitFor('the snapshot', () => snapshots(b).length === 1);
    expect(Buffer.from(snapshots(b)[0]?.snapshot?.data ?? []).equals(data)).toBe(true);
    expect(receiver.received.size).toBe(3000);
    for (const [hash, bytes] of sender.held) expect(receiver.received.get(hash)?.equals(bytes), hash).toBe(true);
    expect(receiver.receivedAtSync).toEqual([3000]);
    await waitFor('the transfer to end', () => !a.transport.snapshotUnderway(2));
  });

  it('go whole, with the contents inside, to a peer that lacks framing 2', async () => {
    const sender = new MapContents();
    sender.add(5, 100);
    const [a, b] = (await start([sender, undefined])) as [TestNode, TestNode];
    const data = randomBytes(1000);
    a.transport.send([snap(1, 2, data)]);
    await waitFor('the snapshot', () => snapshots(b).length === 1);
    expect(Buffer.from(snapshots(b)[0]?.snapshot?.data ?? []).equals(Buffer.concat([Buffer.from('WHOLE:'), data]))).toBe(true);
  });

  it('cut midway (the sender goes away) reach nothing in Raft; the next one, from a sender started again, does', async () => {
    const [sender, receiver] = [new MapContents(), new MapContents()];
    sender.add(20_000, 4096); // 80 MiB: still on its way when the sender closes
    const [a, b] = (await start([sender, receiver])) as [TestNode, TestNode];
    a.transport.send([snap(1, 2, randomBytes(1000), 40)]);
    await waitFor('contents to arrive', () => receiver.received.size > 0);
    await a.transport.close();
    const again = createNode(1);
    nodes.push(again);
    const small = new MapContents();
    small.add(10, 100);
    await again.transport.start({ ...again.inbound, snapshotContents: small });
    again.transport.addPeer(2, { host: '127.0.0.1', port: b.port });
    again.transport.send([snap(1, 2, randomBytes(1000), 41)]);
    await waitFor('the next snapshot', () => snapshots(b).length > 0);
    expect(snapshots(b).map((m) => m.snapshot?.metadata.index)).toEqual([41]);
    expect(receiver.receivedAtSync).toHaveLength(1);
    expect(receiver.received.size).toBeLessThan(20_000 + 10);
  });

  it('are refused whole (400) when a content is not its SHA-256, the body is cut, or bytes follow the end', async () => {
    const [, receiver] = [new MapContents(), new MapContents()];
    const [, b] = (await start([new MapContents(), receiver])) as [TestNode, TestNode];
    const url = `http://127.0.0.1:${b.port}${SNAPSHOT_STREAM_PATH}`;
    const headers = { authorization: 'Bearer test-secret', 'x-dfs-from': '1' };
    expect(await (await fetch(url, { headers })).json()).toEqual({ framing: 2 });
    const body = async (contents: ContentRecord[]) => {
      const pieces: Buffer[] = [];
      for await (const piece of snapshotStreamBody(snap(1, 2, randomBytes(100)), Readable.from(contents))) pieces.push(piece);
      return Buffer.concat(pieces);
    };
    const post = async (bytes: Buffer) => {
      const res = await fetch(url, { method: 'POST', headers, body: new Uint8Array(bytes) });
      return { status: res.status, error: res.status === 204 ? null : ((await res.json()) as { error: string }).error };
    };
    const good = randomBytes(50);
    const forged = { sha256: sha256(good), bytes: randomBytes(50) };
    expect(await post(await body([forged]))).toEqual({ status: 400, error: 'bad_request' });
    const whole = await body([{ sha256: sha256(good), bytes: good }]);
    expect(await post(whole.subarray(0, whole.length - 10))).toEqual({ status: 400, error: 'bad_request' });
    expect(await post(Buffer.concat([whole, Buffer.from([1])]))).toEqual({ status: 400, error: 'bad_request' });
    const wrongData = Buffer.from(whole);
    wrongData[wrongData.length - 1] = (wrongData[wrongData.length - 1] as number) ^ 1; // the data's SHA-256 in the end record
    expect(await post(wrongData)).toEqual({ status: 400, error: 'bad_request' });
    expect(snapshots(b)).toEqual([]);
    expect(receiver.syncs).toBe(0);
    expect(await post(whole)).toEqual({ status: 204, error: null });
    await waitFor('the good one', () => snapshots(b).length === 1);
  });
});

describe('the framing 2 body', () => {
  it('reads back what it wrote, in pieces of any size', async () => {
    const contents = Array.from({ length: 40 }, (_, i) => randomBytes(i * 997)).map((bytes) => ({ sha256: sha256(bytes), bytes }));
    const data = randomBytes(700_000);
    const pieces: Buffer[] = [];
    for await (const piece of snapshotStreamBody(snap(1, 2, data), Readable.from(contents))) pieces.push(piece);
    const whole = Buffer.concat(pieces);
    // Re-cut into pieces of 1 to 5,000 bytes, as a socket might deliver them.
    const recut: Buffer[] = [];
    for (let at = 0, n = 1; at < whole.length; at += n, n = (n * 7919) % 5000 + 1) recut.push(whole.subarray(at, at + n));
    const got: ContentRecord[] = [];
    const read = await readSnapshotStream(Readable.from(recut), { maxDataBytes: 1 << 20, maxContentBytes: 1 << 20 }, (hash, bytes) => got.push({ sha256: hash, bytes: Buffer.from(bytes) }));
    expect(Buffer.from(read.message.snapshot?.data ?? []).equals(data)).toBe(true);
    expect(read.contents).toBe(40);
    expect(read.bytes).toBe(whole.length);
    expect(got.map((c) => c.sha256)).toEqual(contents.map((c) => c.sha256));
    await expect(readSnapshotStream(Readable.from([whole]), { maxDataBytes: 1000, maxContentBytes: 1 << 20 }, () => undefined)).rejects.toThrow(CodecError);
  });
});
