// Issue #13: a manager attached to real remote nodes (HTTPS, client token) reads each node's
// pushed events from its `GET /events` stream, through the profile's CA and token, and merges
// them as it merges a local node's IPC events. The manager polls only once a minute here, so a
// leader kill's election reaching the dashboard within seconds, with its vote requests (which no
// poll carries), can only have come from the streams. A killed node's stream reopens once the
// node is back; the killed node shows down the moment its stream drops, and up once the reopened
// stream speaks; detaching closes every stream and socket.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../node-runtime/common/node-events';
import type { Manager } from '../../electron/manager/manager';
import { makeTempDir, SseReader, startFakeManager, waitFor } from '../fixtures/manager/helpers';
import { startTlsCluster, type TlsCluster } from './tls-cluster';

const TOKEN = 'attach-events-token';
/** Long enough that no poll happens during the test after the first ones. */
const POLL_INTERVAL_MS = 60_000;
let tls: TlsCluster;
let manager: Manager;
let removeTemp: () => Promise<void>;

beforeAll(async () => {
  const temp = await makeTempDir();
  removeTemp = temp.remove;
  // Its own (fake) local cluster is never looked at: the test attaches at once. The one poll that
  // counts must not miss a node on a busy machine: it waits long for the answers.
  [tls, manager] = await Promise.all([startTlsCluster({ token: TOKEN }), startFakeManager(temp.dir, { pollIntervalMs: POLL_INTERVAL_MS, fastPollIntervalMs: POLL_INTERVAL_MS, pollTimeoutMs: 10_000 })]);
}, 120_000);
afterAll(async () => {
  await manager?.stop();
  await removeTemp?.();
  await tls?.stop();
});

/** This process's established TCP connections to any of the nodes' HTTP ports (ss, as the kernel sees them). */
function socketsToNodes(): number {
  const ports = new Set(tls.cluster.nodes.map((n) => String(n.httpPort)));
  const lines = execFileSync('ss', ['-tnpH', 'state', 'established'], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes(`pid=${process.pid},`) && ports.has(line.trim().split(/\s+/)[3]?.split(':').pop() ?? '')).length;
}

describe('an attached cluster', () => {
  it("streams each node's pushed events: a leader kill shows its election without a poll, and detaching closes the streams", async () => {
    const base = `http://127.0.0.1:${manager.port}`;
    const auth = { authorization: `Bearer ${manager.token}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const nodes = tls.cluster.nodes.map((n) => ({ id: n.id, httpUrl: n.url }));
    const ca = await readFile(tls.certs.caFile, 'utf8');
    expect((await fetch(`${base}/api/profiles/remote`, { method: 'PUT', headers: json, body: JSON.stringify({ nodes, token: TOKEN, ca }) })).status).toBe(200);
    expect((await fetch(`${base}/api/profiles/remote/activate`, { method: 'POST', headers: auth })).status).toBe(200);
    await waitFor('the first poll to reach every node and name the leader', () => {
      const snapshot = manager.snapshot();
      return snapshot.nodes.every((n) => n.reachable) && snapshot.leaderId === tls.leader.id;
    }, 30_000);
    // The first poll is done; the next one is a minute away, even right after a change.
    const sse = await SseReader.open(`${base}/api/events?logs=0`, auth);
    try {
      await sse.next('snapshot', () => true);
      // A write moves every node's commit index: its progress event shows that node's stream is open.
      expect((await fetch(`${base}/api/files/pushed.txt`, { method: 'PUT', headers: auth, body: 'x' })).status).toBe(201);
      for (const node of tls.cluster.nodes) await sse.next('nodeEvent', (e) => e.node === node.id && e.type === 'progress', 10_000);
      const oldLeader = tls.leader.id;
      const killedAt = Date.now();
      await tls.cluster.kill(tls.leader);
      // Its stream dropped with it: down at once, not at a poll a minute away.
      const down = await sse.next('snapshot', (s) => s.nodes.find((n) => n.id === oldLeader)?.reachable === false, 15_000);
      expect(down.at - killedAt).toBeLessThan(POLL_INTERVAL_MS / 4);
      const elected = await sse.next('snapshot', (s) => s.leaderId !== null && s.leaderId !== oldLeader, 15_000);
      const newLeader = elected.data.leaderId as number;
      // Within seconds, not at the next poll a minute away.
      expect(elected.at - killedAt).toBeLessThan(POLL_INTERVAL_MS / 4);
      const events = sse.of('nodeEvent').map((e) => e.data as NodeEvent);
      expect(events.some((e) => e.type === 'role' && e.node === newLeader && e.role === 'candidate')).toBe(true);
      expect(events.some((e) => e.type === 'voteRequested' && e.node === newLeader && !e.preVote)).toBe(true);
      expect(events.some((e) => e.type === 'voteGranted' && e.to === newLeader && !e.preVote)).toBe(true);
      expect(events.some((e) => e.type === 'role' && e.node === newLeader && e.role === 'leader')).toBe(true);

      // The killed node comes back: its stream reopens (backoff) and its new run's events arrive.
      const restartedAt = Date.now();
      const beforeRestart = sse.events.length;
      await tls.cluster.restart(tls.leader);
      const fresh = await sse.next('nodeEvent', (e) => e.node === oldLeader && e.runStartedAt >= restartedAt - 1_000, 20_000);
      expect(fresh.data.seq).toBeGreaterThanOrEqual(1);
      // And it is up again: its reopened stream's first events say so (no poll ran since the kill).
      await sse.next('snapshot', (s) => s.nodes.find((n) => n.id === oldLeader)?.reachable === true, 20_000, beforeRestart);
    } finally {
      await sse.close();
    }

    // Detach (back to the local cluster): every stream and pooled socket to the nodes is closed.
    expect(socketsToNodes()).toBeGreaterThanOrEqual(3); // the count sees them while attached
    expect((await fetch(`${base}/api/profiles/local/activate`, { method: 'POST', headers: auth })).status).toBe(200);
    await waitFor('no socket left open to the remote nodes', () => socketsToNodes() === 0, 5_000);
    // And none reopens: a stream left behind would reconnect after its first backoff (200 ms).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(socketsToNodes()).toBe(0);
  });
});
