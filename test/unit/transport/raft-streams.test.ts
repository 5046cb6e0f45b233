import { afterEach, describe, expect, it } from 'vitest';
import { connectedAll, createNode, message, startCluster, type TestNode, waitFor } from './harness';

let nodes: TestNode[] = [];

afterEach(async () => {
  await Promise.all(nodes.map((n) => n.transport.close()));
  nodes = [];
});

function byId(id: number): TestNode {
  const node = nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id}`);
  return node;
}

describe('raft message streams', () => {
  it('delivers messages between three nodes in order per sender', async () => {
    nodes = await startCluster([1, 2, 3]);
    await waitFor('all six streams', () => connectedAll(nodes));
    for (let i = 1; i <= 200; i++) {
      for (const from of nodes) {
        from.transport.send(nodes.filter((to) => to !== from).map((to) => message(from.id, to.id, { index: i })));
      }
    }
    await waitFor('every message', () => nodes.every((n) => n.received.length === 400));
    for (const to of nodes) {
      for (const from of nodes.filter((n) => n !== to)) {
        const indexes = to.received.filter((m) => m.from === from.id).map((m) => m.index);
        expect(indexes).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      }
    }
  });

  it('batches: many sends in one turn leave as one frame', async () => {
    nodes = await startCluster([1, 2]);
    await waitFor('streams', () => connectedAll(nodes));
    const [a, b] = [byId(1), byId(2)];
    for (let i = 0; i < 1000; i++) a.transport.send([message(1, 2, { index: i })]);
    await waitFor('1000 messages', () => b.received.length === 1000);
    const sent = a.transport.peerStatus()[2];
    expect(sent?.messagesSent).toBe(1000);
    expect(sent?.framesSent).toBe(1);
    expect(b.transport.peerStatus()[1]?.framesReceived).toBe(1);
  });

  it('with `now`, a call’s messages leave at once, one frame per call (the Raft driver’s Ready)', async () => {
    nodes = await startCluster([1, 2]);
    await waitFor('streams', () => connectedAll(nodes));
    const [a, b] = [byId(1), byId(2)];
    a.transport.send([message(1, 2, { index: 1 }), message(1, 2, { index: 2 })], { now: true });
    // Written before this turn ends, not at its end.
    expect(a.transport.peerStatus()[2]?.framesSent).toBe(1);
    a.transport.send([message(1, 2, { index: 3 })], { now: true });
    expect(a.transport.peerStatus()[2]?.framesSent).toBe(2);
    await waitFor('3 messages', () => b.received.length === 3);
    expect(b.received.map((m) => m.index)).toEqual([1, 2, 3]);
    expect(a.transport.peerStatus()[2]?.messagesSent).toBe(3);
  });

  it('learns each peer’s public HTTP URL from the stream handshake, both ways', async () => {
    nodes = await startCluster([1, 2, 3]);
    await waitFor('streams', () => connectedAll(nodes));
    expect(byId(1).transport.peerHttpUrl(2)).toBe('http://127.0.0.1:8082');
    expect(byId(3).transport.peerHttpUrl(1)).toBe('http://127.0.0.1:8081');
    expect(byId(2).transport.peerStatus()[3]?.httpUrl).toBe('http://127.0.0.1:8083');
  });

  it('reconnects with backoff after the peer restarts on the same port', async () => {
    nodes = await startCluster([1, 2]);
    await waitFor('streams', () => connectedAll(nodes));
    const a = byId(1);
    const oldB = byId(2);
    await oldB.transport.close();
    await waitFor('the stream to notice the peer left', () => a.transport.peerStatus()[2]?.connected === false);
    expect(a.unreachable).toContain(2);

    const newB = createNode(2, { listen: { host: '127.0.0.1', port: oldB.port } });
    nodes = [a, newB];
    await newB.transport.start(newB.inbound);
    await waitFor('the stream to come back', () => a.transport.peerStatus()[2]?.connected === true);
    a.transport.send([message(1, 2, { index: 7 })]);
    await waitFor('a message over the new stream', () => newB.received.length === 1);
    expect(newB.received[0]?.index).toBe(7);
    const status = a.transport.peerStatus()[2];
    expect(status?.reconnects).toBeGreaterThanOrEqual(1);
    expect(status?.lastError).toBeDefined();
    // A broken connection may have taken messages with it: a relayed proposal goes again on this.
    expect(a.transport.lossesTo(2)).toBe((status?.reconnects ?? 0) + (status?.messagesDropped ?? 0));
    expect(a.transport.lossesTo(2)).toBeGreaterThanOrEqual(1);
  });

  it('reconnects to a restarted peer as soon as that peer opens its stream here, not after the backoff', async () => {
    // A backoff far longer than the wait below: only the peer's own stream can bring the link back in time.
    const a = createNode(1, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    const b = createNode(2);
    nodes = [a, b];
    await a.transport.start(a.inbound);
    await b.transport.start(b.inbound);
    const port = b.transport.address().port;
    a.transport.addPeer(2, { host: '127.0.0.1', port });
    b.transport.addPeer(1, { host: '127.0.0.1', port: a.transport.address().port });
    await waitFor('streams', () => connectedAll(nodes));
    await b.transport.close();
    await waitFor('node 1 to find node 2 gone and wait out its backoff', () => a.transport.peerStatus()[2]?.connected === false && a.unreachable.includes(2));

    const b2 = createNode(2, { listen: { host: '127.0.0.1', port } });
    nodes = [a, b2];
    await b2.transport.start(b2.inbound);
    b2.transport.addPeer(1, { host: '127.0.0.1', port: a.transport.address().port });
    await waitFor('node 1 to reconnect to node 2 once node 2 reached it', () => a.transport.peerStatus()[2]?.connected === true, 5_000);
    a.transport.send([message(1, 2, { index: 9 })]);
    await waitFor('a message over the new stream', () => b2.received.length === 1);
  });

  it('tells the node when a peer\'s stream closes under it, and not when this side closes its own', async () => {
    nodes = await startCluster([1, 2]);
    await waitFor('streams', () => connectedAll(nodes));
    // Node 2 goes away: its sockets close, as a killed process's do.
    await byId(2).transport.close();
    await waitFor('node 1 to hear that the stream from node 2 closed', () => byId(1).closed.length > 0);
    expect(byId(1).closed).toEqual([2]);
    expect(byId(2).closed).toEqual([]);
  });

  it('keeps messages sent while the peer is down and delivers them once it is up', async () => {
    const a = createNode(1);
    const b = createNode(2);
    nodes = [a, b];
    await b.transport.start(b.inbound);
    const port = b.transport.address().port;
    await b.transport.close();
    await a.transport.start(a.inbound);
    a.transport.addPeer(2, { host: '127.0.0.1', port });
    a.transport.send([message(1, 2, { index: 1 }), message(1, 2, { index: 2 })]);
    await waitFor('failed attempts reported', () => a.unreachable.length >= 2);

    const b2 = createNode(2, { listen: { host: '127.0.0.1', port } });
    nodes = [a, b2];
    await b2.transport.start(b2.inbound);
    await waitFor('the queued messages', () => b2.received.length === 2);
    expect(b2.received.map((m) => m.index)).toEqual([1, 2]);
  });

  it('refuses a stream with the wrong secret: 401, nothing delivered', async () => {
    const a = createNode(1, { secret: 'wrong' });
    const b = createNode(2);
    nodes = [a, b];
    await a.transport.start(a.inbound);
    await b.transport.start(b.inbound);
    a.transport.addPeer(2, { host: '127.0.0.1', port: b.transport.address().port });
    a.transport.send([message(1, 2)]);
    await waitFor('the refusal', () => (a.transport.peerStatus()[2]?.lastError ?? '').includes('401'));
    expect(a.transport.peerStatus()[2]?.connected).toBe(false);
    expect(b.received).toEqual([]);
    expect(b.transport.peerHttpUrl(1)).toBeUndefined();
  });

  it('discards messages whose sender or recipient does not match the stream', async () => {
    nodes = await startCluster([1, 2]);
    await waitFor('streams', () => connectedAll(nodes));
    const [a, b] = [byId(1), byId(2)];
    a.transport.send([message(3, 2, { index: 1 }), message(1, 2, { index: 2 })]);
    // Addressed to 2 but claiming to come from 3: only the honest one is delivered.
    await waitFor('the honest message', () => b.received.length === 1);
    await waitFor('both counted', () => b.transport.peerStatus()[1]?.messagesReceived === 2);
    expect(b.received[0]?.index).toBe(2);
    expect(b.transport.peerStatus()[1]?.messagesDiscarded).toBe(1);
  });

  it('blocked peers: nothing flows either way until the block is lifted', async () => {
    nodes = await startCluster([1, 2, 3]);
    await waitFor('streams', () => connectedAll(nodes));
    const [a, b, c] = [byId(1), byId(2), byId(3)];
    a.transport.setBlockedPeers([2]);
    a.transport.send([message(1, 2, { index: 1 }), message(1, 3, { index: 1 })]);
    b.transport.send([message(2, 1, { index: 1 })]);
    c.transport.send([message(3, 1, { index: 1 })]);
    await waitFor('the unblocked messages', () => a.received.length === 1 && c.received.length === 1);
    await waitFor('the blocked message to arrive and be discarded', () => a.transport.peerStatus()[2]?.messagesReceived === 1);
    expect(a.received.map((m) => m.from)).toEqual([3]);
    expect(b.received).toEqual([]);
    expect(a.transport.peerStatus()[2]).toMatchObject({ blocked: true, messagesDropped: 1, messagesDiscarded: 1 });
    expect(a.transport.lossesTo(2)).toBe(1);
    expect(a.transport.lossesTo(3)).toBe(0);

    a.transport.setBlockedPeers([]);
    a.transport.send([message(1, 2, { index: 2 })]);
    b.transport.send([message(2, 1, { index: 2 })]);
    await waitFor('messages after the block', () => b.received.length === 1 && a.received.length === 2);
  });

  it('ignored peers: a one-way cut, their messages discarded while this node still reaches them', async () => {
    nodes = await startCluster([1, 2]);
    await waitFor('streams', () => connectedAll(nodes));
    const [a, b] = [byId(1), byId(2)];
    a.transport.setBlockedPeers([], [2]);
    a.transport.send([message(1, 2, { index: 1 })]);
    b.transport.send([message(2, 1, { index: 1 })]);
    await waitFor('the message a sent', () => b.received.length === 1);
    await waitFor('the message b sent to arrive and be discarded', () => a.transport.peerStatus()[2]?.messagesReceived === 1);
    expect(a.received).toEqual([]);
    expect(a.transport.peerStatus()[2]).toMatchObject({ blocked: false, messagesDropped: 0, messagesDiscarded: 1 });
    expect(a.transport.lossesTo(2)).toBe(0);

    a.transport.setBlockedPeers([]);
    b.transport.send([message(2, 1, { index: 2 })]);
    await waitFor('messages once heard again', () => a.received.length === 1);
  });

  it('adds and removes peers at run time', async () => {
    nodes = await startCluster([1, 2]);
    const c = createNode(3);
    nodes.push(c);
    await c.transport.start(c.inbound);
    c.port = c.transport.address().port;
    const a = byId(1);
    a.transport.addPeer(3, { host: '', port: c.port });
    c.transport.addPeer(1, { host: '127.0.0.1', port: a.port });
    await waitFor('the new member’s stream', () => a.transport.peerStatus()[3]?.connected === true);
    a.transport.send([message(1, 3, { index: 5 })]);
    await waitFor('a message to the new member', () => c.received.length === 1);

    a.transport.removePeer(3);
    expect(a.transport.peerStatus()[3]?.connected ?? false).toBe(false);
    a.transport.send([message(1, 3, { index: 6 })]);
    a.transport.send([message(1, 2, { index: 6 })]);
    await waitFor('the remaining peer still served', () => byId(2).received.length === 1);
    expect(c.received).toHaveLength(1);
  });
});
