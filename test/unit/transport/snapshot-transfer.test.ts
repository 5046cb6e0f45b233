// Snapshots travel beside the Raft stream, one request each (snapshot-transfer.ts): real
// PeerTransports on loopback, with frames far smaller than the snapshots they must carry.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../../node-runtime/raft/types';
import { SNAPSHOT_PATH } from '../../../node-runtime/transport/protocol';
import { decodeSnapshotBody, snapshotBodyParts } from '../../../node-runtime/transport/snapshot-transfer';
import { CodecError } from '../../../node-runtime/transport';
import { connectedAll, createNode, message, startCluster, type TestNode, waitFor } from './harness';

const SMALL_FRAMES = { limits: { maxFrameBytes: 64 * 1024 } };

let nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.transport.close()));
  nodes = [];
});

function snap(from: number, to: number, data: Uint8Array, index = 40): Message {
  const confState = { voters: [1, 2, 3], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  return message(from, to, { type: 'snap', term: 3, snapshot: { metadata: { index, term: 2, confState }, data } });
}

const snapshots = (node: TestNode): Message[] => node.received.filter((m) => m.type === 'snap');

describe('snapshot transfers', () => {
  it('carry a snapshot sixteen times a frame whole, while the stream goes on carrying heartbeats', async () => {
    nodes = await startCluster([1, 2], SMALL_FRAMES);
    await waitFor('streams', () => connectedAll(nodes));
    const [a, b] = nodes as [TestNode, TestNode];
    const data = randomBytes(1024 * 1024);
    a.transport.send([snap(1, 2, data), message(1, 2, { index: 7 })]);
    await waitFor('the snapshot', () => snapshots(b).length === 1);
    const [received] = snapshots(b);
    expect(Buffer.from(received?.snapshot?.data ?? []).equals(data)).toBe(true);
    expect(received?.snapshot?.metadata).toEqual(snap(1, 2, data).snapshot?.metadata);
    expect(received?.term).toBe(3);
    expect(b.received.some((m) => m.type === 'heartbeat' && m.index === 7)).toBe(true);
    expect(a.transport.peerStatus()[2]?.messagesDropped).toBe(0);
  });

  it('send one snapshot at a time per peer: a second while the first is on its way is dropped', async () => {
    nodes = await startCluster([1, 2]);
    await waitFor('streams', () => connectedAll(nodes));
    const [a, b] = nodes as [TestNode, TestNode];
    expect(a.transport.snapshotUnderway(2)).toBe(false);
    a.transport.send([snap(1, 2, randomBytes(256 * 1024), 40), snap(1, 2, randomBytes(1000), 41)]);
    // The node asks before reading another snapshot back from its storage (RaftDriver.sendSnapshot).
    expect(a.transport.snapshotUnderway(2)).toBe(true);
    await waitFor('the first snapshot', () => snapshots(b).length === 1);
    expect(snapshots(b).map((m) => m.snapshot?.metadata.index)).toEqual([40]);
    expect(a.transport.peerStatus()[2]?.messagesDropped).toBe(1);
    await waitFor('the first transfer to end', () => !a.transport.snapshotUnderway(2));
    // Once it arrived, the next one goes.
    a.transport.send([snap(1, 2, randomBytes(1000), 42)]);
    await waitFor('the next snapshot', () => snapshots(b).length === 2);
  });

  it('tell the node when a snapshot did not arrive, so Raft sends one again', async () => {
    const [a, b] = [createNode(1), createNode(2)];
    nodes = [a, b];
    const failed: number[] = [];
    // When Raft hears of the failure and asks again, the failed transfer no longer counts as under way.
    const underwayWhenTold: boolean[] = [];
    await a.transport.start({
      ...a.inbound,
      onSnapshotFailed: (peer) => {
        failed.push(peer);
        underwayWhenTold.push(a.transport.snapshotUnderway(peer));
      },
    });
    await b.transport.start(b.inbound);
    a.transport.addPeer(2, { host: '127.0.0.1', port: b.transport.address().port });
    await b.transport.close(); // nothing listens there any more
    a.transport.send([snap(1, 2, randomBytes(1000))]);
    await waitFor('the failure report', () => failed.length === 1);
    expect(failed).toEqual([2]);
    expect(underwayWhenTold).toEqual([false]);
  });

  it('are refused whole when malformed, too large or without a length, and discarded when not from the sender', async () => {
    nodes = await startCluster([1, 2], { maxSnapshotBytes: 100_000 });
    await waitFor('streams', () => connectedAll(nodes));
    const [, b] = nodes as [TestNode, TestNode];
    const url = `http://127.0.0.1:${b.port}${SNAPSHOT_PATH}`;
    const headers = { authorization: 'Bearer test-secret', 'x-dfs-from': '1' };
    const post = async (body: Uint8Array<ArrayBuffer>, extra: Record<string, string> = {}) => {
      const res = await fetch(url, { method: 'POST', headers: { ...headers, ...extra }, body });
      return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as { error: string }) };
    };
    expect(await post(randomBytes(10))).toEqual({ status: 400, body: expect.objectContaining({ error: 'bad_request' }) });
    expect(await post(randomBytes(100_001))).toEqual({ status: 413, body: expect.objectContaining({ error: 'snapshot_too_large' }) });
    const notSnapshot = Buffer.concat(snapshotBodyParts(snap(1, 2, randomBytes(10))));
    notSnapshot[4] = 0; // the header's message type: an append, not a snapshot
    expect(await post(notSnapshot)).toEqual({ status: 400, body: expect.objectContaining({ error: 'bad_request' }) });
    // Authenticated as node 1, but claiming to come from node 3: received and discarded, as on the stream.
    expect((await post(Buffer.concat(snapshotBodyParts(snap(3, 2, randomBytes(10)))))).status).toBe(204);
    expect(snapshots(b)).toEqual([]);
    expect(b.transport.peerStatus()[1]?.messagesDiscarded).toBe(1);
    const streamed = new ReadableStream({ start: (c) => { c.enqueue(new Uint8Array(10)); c.close(); } }); // sent chunked, no length
    expect((await fetch(url, { method: 'POST', headers, body: streamed, duplex: 'half' } as RequestInit)).status).toBe(411);
    expect((await fetch(url, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong' }, body: 'x' })).status).toBe(401);
    expect(snapshots(b)).toEqual([]);
  });
});

describe('the snapshot transfer body', () => {
  it('round-trips a message, its data a view of the body rather than a copy', () => {
    const data = randomBytes(5000);
    const body = Buffer.concat(snapshotBodyParts(snap(1, 2, data)));
    const decoded = decodeSnapshotBody(body);
    expect(Buffer.from(decoded.snapshot?.data ?? []).equals(data)).toBe(true);
    expect(decoded.snapshot?.data.buffer).toBe(body.buffer);
    expect({ ...decoded, snapshot: undefined }).toEqual({ ...snap(1, 2, data), snapshot: undefined });
  });

  it('refuses a header longer than the body, a cut header and a message with data inside its header', () => {
    const body = Buffer.concat(snapshotBodyParts(snap(1, 2, randomBytes(10))));
    const lying = Buffer.from(body);
    lying.writeUInt32BE(body.length);
    expect(() => decodeSnapshotBody(lying)).toThrow(CodecError);
    expect(() => decodeSnapshotBody(body.subarray(0, 3))).toThrow(CodecError);
    expect(() => decodeSnapshotBody(body.subarray(0, 12))).toThrow(CodecError);
    expect(() => snapshotBodyParts(message(1, 2))).toThrow(TypeError);
  });
});
