// Pushed events over real dfs-node processes: each node's role, votes and progress reach the
// manager over IPC and the dashboard's stream as they happen, and the merged view tells the truth
// through a leader kill, a pause and an isolation — never "no quorum" while two of three are up,
// never a dead node as leader, a visible election, the new leader as soon as it is elected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChartRecord, ClusterSnapshot, JournalRecord } from '../../node-runtime/common/manager-api';
import type { NodeEvent } from '../../node-runtime/common/node-events';
import type { Manager } from '../../electron/manager/manager';
import { SseReader, startRealManager, waitFor, type ReachableManager } from '../fixtures/manager/helpers';

let started: ReachableManager | undefined;
let manager: Manager;
let base: string;
let auth: Record<string, string>;

beforeAll(async () => {
  started = await startRealManager('dfs-live-events-', { nodeLogLevel: 'info' });
  ({ manager, base, auth } = started);
  await waitFor('a healthy cluster', () => manager.snapshot().health === 'healthy', 90_000);
});

afterAll(async () => {
  await started?.stop();
});

async function healthyLeader(): Promise<number> {
  return waitFor('a healthy cluster with a leader', () => {
    const s = manager.snapshot();
    return s.health === 'healthy' && s.leaderId !== null && s.nodes.every((n) => n.process?.state === 'running') ? s.leaderId : undefined;
  }, 60_000);
}

const post = (path: string, body?: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

function snapshotsAfter(sse: SseReader, from: number): { data: ClusterSnapshot; at: number }[] {
  return sse.of('snapshot').filter((s) => s.at >= from);
}

describe('pushed node events', () => {
  it("streams each node's events, and a leader kill shows as an election, never as no quorum", async () => {
    const oldLeader = await healthyLeader();
    const sse = await SseReader.open(`${base}/api/events?logs=0`, auth);
    try {
      await sse.next('snapshot', () => true);
      const killedAt = Date.now();
      expect((await post(`/api/nodes/${oldLeader}/kill`)).status).toBe(202);
      const elected = await sse.next('snapshot', (s) => s.leaderId !== null && s.leaderId !== oldLeader, 10_000);
      // Give the view time to settle into the new term before judging what it showed.
      await sse.next('snapshot', (s) => s.health === 'degraded' || s.health === 'healthy', 10_000);
      const shown = snapshotsAfter(sse, killedAt);
      const events = sse.of('nodeEvent').map((e) => e.data as NodeEvent);
      // Two of three stayed up throughout: an election, never "no quorum".
      expect(shown.filter((s) => s.data.health === 'noQuorum').map((s) => s.data.health)).toEqual([]);
      // Until the new leader is named: the old one (only until its exit is seen), else an election.
      const between = shown.filter((s) => s.at < elected.at);
      expect(between.filter((s) => !(s.data.health === 'electing' || (s.data.leaderId === oldLeader && s.at <= killedAt + 300))).map((s) => s.data.health)).toEqual([]);
      // The dead node is never named leader once its exit is known (it is known at once).
      const namedDead = shown.filter((s) => s.data.leaderId === oldLeader && s.data.nodes.find((n) => n.id === oldLeader)?.reachable === false);
      expect(namedDead).toEqual([]);
      expect(shown.filter((s) => s.at > killedAt + 300 && s.data.leaderId === oldLeader)).toEqual([]);
      // The election itself, pushed by the nodes: a campaign, vote requests and a grant.
      const newLeader = elected.data.leaderId as number;
      expect(events.some((e) => e.type === 'role' && e.node === newLeader && e.role === 'candidate')).toBe(true);
      expect(events.some((e) => e.type === 'voteRequested' && e.node === newLeader && !e.preVote)).toBe(true);
      expect(events.some((e) => e.type === 'voteGranted' && e.to === newLeader && !e.preVote)).toBe(true);
      expect(events.some((e) => e.type === 'role' && e.node === newLeader && e.role === 'leader')).toBe(true);
      // Shown within a moment of the win the node pushed.
      const won = sse.of('nodeEvent').find((e) => (e.data as NodeEvent).type === 'role' && e.data.node === newLeader && (e.data as NodeEvent & { role?: string }).role === 'leader');
      expect(won).toBeDefined();
      expect(elected.at - (won?.at ?? 0)).toBeLessThan(100);

      // The journal kept it all, in order, for replay.
      const journal = (await (await fetch(`${base}/api/journal?since=${killedAt}`, { headers: auth })).json()) as JournalRecord[];
      expect(journal.map((r) => r.at)).toEqual([...journal.map((r) => r.at)].sort((a, b) => a - b));
      expect(journal.some((r) => r.name === 'snapshot' && r.data.leaderId === newLeader)).toBe(true);
      expect(journal.some((r) => r.name === 'nodeEvent' && r.data.type === 'voteGranted')).toBe(true);
      expect(journal.some((r) => r.name === 'leaderChange' && r.data.leaderId === newLeader)).toBe(true);
      const bad = await fetch(`${base}/api/journal?since=yesterday`, { headers: auth });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: 'bad_request' });

      // The charts' hour kept the change and the snapshots around it, pruned to what charts read.
      const chartHistory = async () => (await (await fetch(`${base}/api/chart-history?since=${killedAt}`, { headers: auth })).json()) as ChartRecord[];
      // It keeps the first snapshot of each second: one naming the new leader comes within a second.
      const charts = await waitFor('a chart snapshot naming the new leader', async () => {
        const records = await chartHistory();
        return records.some((r) => r.name === 'snapshot' && r.data.leaderId === newLeader) ? records : undefined;
      }, 5_000);
      expect(charts.some((r) => r.name === 'leaderChange' && r.data.leaderId === newLeader)).toBe(true);
      const chartSnapshots = charts.flatMap((r) => (r.name === 'snapshot' ? [r.data] : []));
      expect(chartSnapshots.every((s) => s.nodes.every((n) => n.report === null || (n.report.config === null && n.report.recovery === null)))).toBe(true);
      const badRange = await fetch(`${base}/api/chart-history?since=-5`, { headers: auth });
      expect(badRange.status).toBe(400);
      expect(await badRange.json()).toMatchObject({ error: 'bad_request' });
    } finally {
      await sse.close();
    }
  });

  it('shows a paused follower down at once, and a follower cut off as out of the quorum', async () => {
    const leader = await healthyLeader();
    const follower = manager.snapshot().nodes.find((n) => n.id !== leader)?.id as number;
    const sse = await SseReader.open(`${base}/api/events?logs=0`, auth);
    try {
      await sse.next('snapshot', () => true);
      const mark = sse.events.length;
      expect((await post(`/api/nodes/${follower}/pause`)).status).toBe(202);
      const paused = await sse.next('snapshot', (s) => s.nodes.find((n) => n.id === follower)?.process?.state === 'paused', 5_000, mark);
      expect(paused.data.nodes.find((n) => n.id === follower)?.reachable).toBe(false);
      expect(paused.data).toMatchObject({ leaderId: leader, health: 'degraded', faultTolerance: 0 });
      expect(paused.data.inQuorum).not.toContain(follower);
      // A write while it sleeps: once back, it is behind until the leader confirms it caught up.
      expect((await fetch(`${base}/api/files/while-paused.txt`, { method: 'PUT', headers: auth, body: 'missed' })).status).toBe(201);
      expect((await post(`/api/nodes/${follower}/resume`)).status).toBe(202);
      await sse.next('snapshot', (s) => s.health === 'healthy' && s.behind.length === 0, 20_000, mark);

      const others = manager.snapshot().nodes.map((n) => n.id).filter((id) => id !== follower);
      expect((await post('/api/partition', { groups: [[follower], others] })).status).toBe(200);
      const cut = await sse.next('snapshot', (s) => (s.nodes.find((n) => n.id === follower)?.partitionedFrom.length ?? 0) > 0, 5_000, mark);
      expect(cut.data.inQuorum).not.toContain(follower);
      expect(cut.data.health).toBe('degraded');
      expect((await fetch(`${base}/api/partition`, { method: 'DELETE', headers: auth })).status).toBe(200);
      await sse.next('snapshot', (s) => s.health === 'healthy', 30_000, mark);
    } finally {
      await sse.close();
    }
  });

  it("serves a node's events as GET /events (SSE), starting with its current role", async () => {
    const leader = await healthyLeader();
    const url = manager.snapshot().nodes.find((n) => n.id === leader)?.httpUrl as string;
    const controller = new AbortController();
    const res = await fetch(`${url}/events`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!/event: node\ndata: .*"type":"progress"/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const first = /event: node\ndata: (.*)\n/.exec(text)?.[1];
    expect(JSON.parse(first ?? '{}')).toMatchObject({ type: 'role', node: leader, role: 'leader', leaderId: leader, seq: expect.any(Number) });
  });
});
