// Issue #18: the Raft stream handshake carries the command formats each node applies. A node of
// an older release sends none and is taken to speak the oldest format; a peer with no format in
// common is refused its stream, and both sides say why (log and peer status).
import { afterEach, describe, expect, it } from 'vitest';
import type { FormatRange } from '../../../node-runtime/common/command-formats';
import { createNode, message, waitFor, type TestNode } from './harness';

let nodes: TestNode[] = [];

afterEach(async () => {
  await Promise.all(nodes.map((n) => n.transport.close()));
  nodes = [];
});

interface Logged {
  message: string;
}

/** Starts one node per entry (its command formats, or none advertised) and links every pair. */
async function start(ranges: readonly (FormatRange | undefined)[], logs: Logged[] = []): Promise<TestNode[]> {
  const log = { debug: () => undefined, info: () => undefined, warn: (_details: object, text: string) => logs.push({ message: text }) };
  nodes = ranges.map((commandFormats, i) => createNode(i + 1, { log, ...(commandFormats && { commandFormats }) }));
  for (const node of nodes) {
    await node.transport.start(node.inbound);
    node.port = node.transport.address().port;
  }
  for (const node of nodes) for (const peer of nodes) if (peer !== node) node.transport.addPeer(peer.id, { host: '127.0.0.1', port: peer.port });
  return nodes;
}

describe('command formats in the stream handshake', () => {
  it('each node learns the range every peer advertises, before a message leaves on the stream', async () => {
    const [a, b] = await start([
      { min: 1, max: 3 },
      { min: 2, max: 5 },
    ]);
    await waitFor('both streams', () => a!.transport.peerStatus()[2]?.connected === true && b!.transport.peerStatus()[1]?.connected === true);
    expect(a!.transport.peerCommandFormats().get(2)).toEqual({ min: 2, max: 5 });
    expect(b!.transport.peerCommandFormats().get(1)).toEqual({ min: 1, max: 3 });
    expect(a!.transport.peerStatus()[2]?.commandFormats).toEqual({ min: 2, max: 5 });
  });

  it('a peer of an older release advertises nothing: it counts as the oldest format, and the link works', async () => {
    const [current, older] = await start([{ min: 1, max: 3 }, undefined]);
    await waitFor('the stream to the older peer', () => current!.transport.peerStatus()[2]?.connected === true);
    expect(current!.transport.peerCommandFormats().get(2)).toEqual({ min: 1, max: 1 });
    current!.transport.send([message(1, 2)]);
    await waitFor('the message', () => older!.received.length === 1);
  });

  it('a peer with no format in common is refused its stream both ways, both sides say which node to upgrade, and its range is known', async () => {
    const logs: Logged[] = [];
    const [older, newer] = await start(
      [
        { min: 1, max: 3 },
        { min: 4, max: 5 },
      ],
      logs,
    );
    await waitFor('both sides to give up on the link', () => older!.transport.peerStatus()[2]?.lastError !== undefined && newer!.transport.peerStatus()[1]?.lastError !== undefined);
    const upgradeOlder = 'node 2 applies command formats 4-5 and node 1 1-3: no format in common; upgrade node 1';
    expect(older!.transport.peerStatus()[2]).toMatchObject({ connected: false, inboundConnected: false });
    expect(older!.transport.peerStatus()[2]?.lastError).toContain('no format in common');
    expect(newer!.transport.peerStatus()[1]?.lastError).toContain('no format in common');
    expect(logs.some((l) => l.message.includes(upgradeOlder))).toBe(true);
    // Its range is still known, for the status and so the leader does not wait on it.
    expect(older!.transport.peerCommandFormats().get(2)).toEqual({ min: 4, max: 5 });
  });
});
