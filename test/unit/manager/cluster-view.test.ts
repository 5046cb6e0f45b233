// The cluster view against in-process stub nodes: what counts as a change, leader changes, and
// nodes that are not who we think they are. Waits count the stubs' poll rounds, never the clock.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../../node-runtime/common/api-types';
import type { ClusterSnapshot } from '../../../node-runtime/common/manager-api';
import type { ClusterBackend, MemberView } from '../../../electron/manager/clusters/cluster-backend';
import { NodeAccess } from '../../../electron/manager/clusters/node-access';
import { ClusterView } from '../../../electron/manager/cluster-view/cluster-view';
import { EventBus, type ManagerEvent } from '../../../electron/manager/cluster-view/event-bus';
import { waitFor } from '../../fixtures/manager/helpers';

interface StubNode {
  status: NodeStatus;
  diskFree: number;
  polls: number;
  /** While set, `/status` answers only once it resolves (a poll held in flight). */
  hold: Promise<void> | null;
  /** Answers `/status` with 503, as a node that is gone would fail a poll. */
  down: boolean;
  readonly server: Server;
  readonly url: string;
}

const stubs: StubNode[] = [];
const views: ClusterView[] = [];
afterEach(async () => {
  for (const view of views.splice(0)) view.stop();
  // The views are stopped: a keep-alive socket a poll left open would hold close() for seconds.
  await Promise.all(stubs.splice(0).map((s) => new Promise((resolve) => {
    s.server.close(resolve);
    s.server.closeAllConnections();
  })));
});

function status(id: number, leaderId: number, term: number, lastContactMs = 5): NodeStatus {
  const peers = [1, 2, 3].filter((p) => p !== id).map((p) => ({ id: p, url: null, isLearner: false, state: null, match: null, next: null, lastContactMs }));
  return { id, role: id === leaderId ? 'leader' : 'follower', term, leaderId, leaderUrl: null, commitIndex: 1, appliedIndex: 1, lastIndex: 1, snapshotIndex: 0, votedFor: null, logTerms: [], peers };
}

async function stubNode(id: number): Promise<StubNode> {
  const stub = { status: status(id, 1, 1), diskFree: 50 * 2 ** 30, polls: 0, hold: null, down: false } as StubNode;
  const server = createServer(async (req, res) => {
    const bodies: Record<string, unknown> = {
      '/status': stub.status,
      '/stats': {
        totalFiles: 0, totalSize: 0, quotaUsed: 0, quotaLimit: 1, storageUsage: '0.0%', nodeStatus: 'healthy', lastBackup: null, bytesOnDisk: 0, chunkCount: 0, diskFree: stub.diskFree,
        // Every poll is a request the node counts and times, as a real node does.
        traffic: { uploadedBytes: 0, downloadedBytes: 0, requests: stub.polls * 4, proposalsCommitted: 0, proposalsFailed: 0, latencyP50Ms: 0.5 + (stub.polls % 7) / 100, latencyP95Ms: 7 + (stub.polls % 5) / 10 },
      },
      '/config': {},
    };
    if (req.url === '/status') {
      stub.polls += 1;
      if (stub.down) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unavailable', detail: 'gone' }));
        return;
      }
      if (stub.hold) await stub.hold;
    }
    const body = bodies[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not_found', detail: '' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(stub, { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  stubs.push(stub);
  return stub;
}

/** What a test does to the backend's event streams: say one dropped. */
type StreamListener = (nodeId: number, open: boolean) => void;

function backendOf(nodes: readonly StubNode[], streams?: Set<StreamListener>): ClusterBackend {
  const members: MemberView[] = nodes.map((n, i) => ({ id: i + 1, httpUrl: n.url, peerAddress: null, process: null }));
  const refuse = async (): Promise<never> => {
    throw new Error('not in this test');
  };
  return {
    mode: 'attach', profile: 'stub', access: NodeAccess.none,
    s3Credentials: null, members: () => members, onChange: () => () => {}, onNodeEvent: () => () => {},
    start: async () => {}, stop: async () => {}, nodeAction: refuse, spawnJoiner: refuse, retire: refuse,
    ...(streams && {
      onEventStream: (listener: StreamListener) => {
        streams.add(listener);
        return () => streams.delete(listener);
      },
    }),
  };
}

async function watch(nodes: readonly StubNode[], streams?: Set<StreamListener>, pollTimeoutMs = 1_000) {
  const bus = new EventBus();
  const events: ManagerEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const view = new ClusterView(backendOf(nodes, streams), bus, { pollIntervalMs: 10, pollTimeoutMs });
  views.push(view);
  view.start();
  const snapshots = () => events.filter((e) => e.name === 'snapshot').map((e) => e.data as ClusterSnapshot);
  /** Waits until every stub answered `rounds` more polls. */
  const rounds = async (count: number) => {
    const target = nodes.map((n) => n.polls + count);
    await waitFor(`${count} poll rounds`, () => nodes.every((n, i) => n.polls >= (target[i] ?? 0)), 5_000, 5);
  };
  return { view, events, snapshots, rounds };
}

describe('ClusterView', () => {
  it('publishes a snapshot when something changed and stays quiet otherwise', async () => {
    const nodes = await Promise.all([1, 2, 3].map(stubNode));
    const { snapshots, rounds } = await watch(nodes);
    await rounds(2);
    expect(snapshots().at(-1)).toMatchObject({ leaderId: 1, health: 'healthy', faultTolerance: 1, inQuorum: [1, 2, 3] });
    const settled = snapshots().length;

    // Contact times, receipt times, small disk-free moves and the polls' own requests and latencies are not changes.
    for (const n of nodes) {
      n.status = { ...n.status, peers: n.status.peers.map((p) => ({ ...p, lastContactMs: 99 })) };
      n.diskFree -= 4096;
    }
    await rounds(5);
    expect(snapshots()).toHaveLength(settled);

    const first = nodes[0] as StubNode;
    first.status = { ...first.status, commitIndex: 2, appliedIndex: 2, lastIndex: 2 };
    await rounds(2);
    expect(snapshots()).toHaveLength(settled + 1);
    expect(snapshots().at(-1)?.nodes[0]?.report?.status.commitIndex).toBe(2);
  });

  it('announces a new leader once, with its term', async () => {
    const nodes = await Promise.all([1, 2, 3].map(stubNode));
    const { events, rounds } = await watch(nodes);
    await rounds(2);
    nodes.forEach((n, i) => (n.status = status(i + 1, 3, 2)));
    await rounds(3);
    const changes = events.filter((e) => e.name === 'leaderChange').map((e) => e.data as { leaderId: number; term: number });
    expect(changes.map(({ leaderId, term }) => ({ leaderId, term }))).toEqual([
      { leaderId: 1, term: 1 },
      { leaderId: 3, term: 2 },
    ]);
  });

  it("lets the next poll decide a node's state once its event stream dropped, even against a higher term", async () => {
    const nodes = await Promise.all([1, 2, 3].map(stubNode));
    const streams = new Set<StreamListener>();
    const { view, rounds } = await watch(nodes, streams);
    await rounds(2);
    // A pushed event tells of term 9; polls still answering term 1 (sent before it, say) are stale.
    view.applyEvent({ node: 1, seq: 1, runStartedAt: 1, time: 1, type: 'role', role: 'candidate', term: 9, leaderId: null, votedFor: 1 });
    await rounds(2);
    expect(view.snapshot().nodes[0]?.report?.status).toMatchObject({ term: 9, role: 'candidate' });
    // The stream dropped: what it said no longer outranks what the node answers now.
    for (const listener of streams) listener(1, false);
    await rounds(2);
    expect(view.snapshot().nodes[0]?.report?.status).toMatchObject({ term: 1, role: 'leader' });
  });

  it('marks a node down the moment its event stream drops, and up again only when a poll sent after the drop answers', async () => {
    const nodes = await Promise.all([1, 2, 3].map(stubNode));
    const first = nodes[0] as StubNode;
    const streams = new Set<StreamListener>();
    // No poll times out within the test: whatever shows node 1 down, it is not a failed poll.
    const { view, snapshots, rounds } = await watch(nodes, streams, 60_000);
    await rounds(2);
    expect(view.snapshot().nodes.map((n) => n.reachable)).toEqual([true, true, true]);
    // A poll of node 1 is out and answered only later (sent before the drop, it tells of before).
    let release = () => {};
    first.hold = new Promise<void>((resolve) => (release = resolve));
    const polled = first.polls;
    await waitFor('a poll of node 1 in flight', () => first.polls > polled, 5_000, 5);
    for (const listener of streams) listener(1, false);
    // Shown while that poll is still out.
    await waitFor('node 1 shown down', () => snapshots().at(-1)?.nodes[0]?.reachable === false, 5_000, 5);
    expect(first.polls).toBe(polled + 1);
    // Node 1 led: with it down the others' word for it no longer names a leader.
    expect(view.snapshot()).toMatchObject({ leaderId: null, health: 'electing' });
    // The held answer (from before the drop) does not bring it back; nor do failing polls.
    first.down = true;
    release();
    first.hold = null;
    const shownDown = snapshots().length - 1;
    await rounds(3);
    expect(snapshots().slice(shownDown).map((snapshot) => snapshot.nodes[0]?.reachable)).not.toContain(true);
    // It answers again: up at the next poll.
    first.down = false;
    await rounds(2);
    expect(view.snapshot().nodes[0]?.reachable).toBe(true);
    expect(view.snapshot()).toMatchObject({ health: 'healthy', faultTolerance: 1 });
  });

  it('treats a node answering with another id as unreachable', async () => {
    const nodes = await Promise.all([1, 2, 3].map(stubNode));
    (nodes[2] as StubNode).status = status(7, 1, 1);
    const { view, rounds } = await watch(nodes);
    await rounds(2);
    expect(view.snapshot().nodes.map((n) => n.reachable)).toEqual([true, true, false]);
    expect(view.snapshot()).toMatchObject({ health: 'degraded', faultTolerance: 0 });
  });
});
