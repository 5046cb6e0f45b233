// Replay: the cluster frame at a past moment is the journal's records folded up to it, by the same
// fold the live dashboard runs as records arrive — so it equals what the dashboard showed live then.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClusterSnapshot, JournalRecord } from '../../../node-runtime/common/manager-api';
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import { EMPTY_FRAME, foldUntil, frameOf } from '../../../renderer/src/store/cluster-frame';
import { SLOW_MOTION_SPEED } from '../../../renderer/src/store/replay-slice';
import { harness } from './fake-deps';
import { healthyCluster, node, status, T0 } from './fixtures';

afterEach(() => {
  vi.useRealTimers();
});

/** A leader kill: node 1 leads term 4, dies, node 2 campaigns and wins term 5; node 1 comes back and catches up. */
function failover(): JournalRecord[] {
  let seq = 0;
  const ev = (body: Record<string, unknown> & { node: number; type: NodeEvent['type'] }): NodeEvent => ({ seq: ++seq, runStartedAt: T0 - 60_000, time: 0, ...body }) as NodeEvent;
  const led = (leaderId: number, term: number, patch: { down?: number } = {}): ClusterSnapshot => {
    const base = healthyCluster();
    return {
      ...base,
      leaderId,
      nodes: [1, 2, 3].map((id) =>
        node(id, { reachable: id !== patch.down, status: status(id, { role: id === leaderId ? 'leader' : 'follower', term, leaderId }) }),
      ),
    };
  };
  const electing: ClusterSnapshot = { ...led(1, 4, { down: 1 }), leaderId: null, health: 'electing' };
  const records: [number, JournalRecord['name'], ClusterSnapshot | NodeEvent | JournalRecord['data']][] = [
    [0, 'snapshot', led(1, 4)],
    [100, 'nodeEvent', ev({ node: 3, type: 'progress', term: 4, commitIndex: 120, appliedIndex: 120, lastIndex: 120, snapshotIndex: 0, peers: [] })],
    [1_000, 'snapshot', electing],
    [1_200, 'nodeEvent', ev({ node: 2, type: 'role', role: 'candidate', term: 5, leaderId: null, votedFor: 2 })],
    [1_210, 'nodeEvent', ev({ node: 2, type: 'voteRequested', term: 5, to: 3, preVote: false })],
    [1_220, 'nodeEvent', ev({ node: 3, type: 'voteGranted', term: 5, to: 2, preVote: false })],
    [1_230, 'nodeEvent', ev({ node: 2, type: 'role', role: 'leader', term: 5, leaderId: 2, votedFor: 2 })],
    [1_240, 'leaderChange', { time: T0 + 1_240, term: 5, leaderId: 2 }],
    [1_250, 'snapshot', led(2, 5, { down: 1 })],
    [3_000, 'nodeEvent', ev({ node: 1, type: 'progress', term: 5, commitIndex: 125, appliedIndex: 125, lastIndex: 125, snapshotIndex: 0, peers: [] })],
    [3_100, 'snapshot', led(2, 5)],
    [3_400, 'nodeEvent', ev({ node: 1, type: 'catchUp', catchingUp: false, entriesBehind: 0, chunksMissing: 0, chunksFetched: 2, bytesFetched: 2048 })],
  ];
  return records.map(([ms, name, data]) => ({ at: T0 + ms, name, data }) as JournalRecord);
}

/** The dashboard fed `records` live, each as it arrived; returns its frame as of each moment in `moments`. */
function liveFrames(records: readonly JournalRecord[], moments: readonly number[]) {
  const h = harness();
  const frames = new Map<number, ReturnType<typeof frameOf>>();
  let i = 0;
  for (const moment of moments) {
    for (; i < records.length && (records[i] as JournalRecord).at <= moment; i += 1) {
      const record = records[i] as JournalRecord;
      h.clock.now = record.at;
      h.store.getState().handleEvent({ type: record.name, data: record.data } as Parameters<ReturnType<typeof h.store.getState>['handleEvent']>[0]);
    }
    frames.set(moment, frameOf(h.store.getState()));
  }
  return frames;
}

describe('the cluster frame at a moment', () => {
  it('folded from the journal equals what the live dashboard showed at that moment', () => {
    const records = failover();
    const moments = [T0 - 1, T0, T0 + 500, T0 + 1_215, T0 + 1_245, T0 + 3_050, T0 + 10_000];
    const live = liveFrames(records, moments);
    for (const moment of moments) expect(foldUntil(EMPTY_FRAME, records, 0, moment).frame, `at T0+${moment - T0}`).toEqual(live.get(moment));
    // And the frames tell the story: the old leader, the election under way, the new leader.
    expect(live.get(T0 + 500)?.snapshot?.leaderId).toBe(1);
    expect(live.get(T0 + 1_215)?.electionEvents.map((e) => e.event.type)).toEqual(['role', 'voteRequested']);
    expect(live.get(T0 + 1_245)?.snapshot?.leaderId).toBeNull();
    expect(live.get(T0 + 10_000)?.snapshot?.leaderId).toBe(2);
    expect(live.get(T0 + 10_000)?.catchUpHistory.catchUps).toMatchObject([{ nodeId: 1, reason: 'down', entries: 5, chunks: 2, bytes: 2048 }]);
  });
});

describe('replay in the store', () => {
  function replaying() {
    const h = harness();
    const records = failover();
    h.api.on('GET', /^\/api\/journal\?/, () => records);
    for (const record of records) {
      h.clock.now = record.at;
      h.store.getState().handleEvent({ type: record.name, data: record.data } as Parameters<ReturnType<typeof h.store.getState>['handleEvent']>[0]);
    }
    return { h, records };
  }

  it('shows a past moment, keeps folding live records aside, and returns to them on Live', async () => {
    const { h } = replaying();
    await h.store.getState().openReplay();
    expect(h.store.getState().replay).toMatchObject({ at: T0 + 3_400, from: T0, until: T0 + 3_400 });
    expect(h.api.calls.find((c) => c.path.includes('&until='))?.path).toBe(`/api/journal?since=${h.clock.now - 5 * 60_000}&until=${h.clock.now}&limit=10000`);
    h.store.getState().seekReplay(T0 + 500);
    expect(h.store.getState().snapshot?.leaderId).toBe(1);
    // Live goes on meanwhile: a new leader in term 6, not shown while replaying, known to commands.
    const later: ClusterSnapshot = { ...healthyCluster(), leaderId: 3, updatedAt: T0 + 20_000 };
    h.clock.now = T0 + 20_000;
    h.store.getState().handleEvent({ type: 'snapshot', data: later });
    expect(h.store.getState().snapshot?.leaderId).toBe(1);
    expect(h.store.getState().liveSnapshot()?.leaderId).toBe(3);
    // Seeking back and forth folds the same records to the same frames.
    h.store.getState().seekReplay(T0 + 2_000);
    expect(h.store.getState().snapshot?.leaderId).toBe(2);
    h.store.getState().seekReplay(T0 + 500);
    expect(h.store.getState().snapshot?.leaderId).toBe(1);
    h.store.getState().goLive();
    expect(h.store.getState().replay.at).toBeNull();
    expect(h.store.getState().snapshot).toBe(later);
  });

  it('plays the last seconds at a quarter of real time, then stops at the newest record', async () => {
    const { h } = replaying();
    vi.useFakeTimers();
    await h.store.getState().slowMotion(2_400);
    expect(h.store.getState().replay).toMatchObject({ at: T0 + 1_000, playing: true });
    expect(h.store.getState().snapshot?.health).toBe('electing');
    h.clock.now += 1_000;
    vi.advanceTimersByTime(50);
    expect(h.store.getState().replay.at).toBe(T0 + 1_000 + 1_000 * SLOW_MOTION_SPEED);
    // A quarter of a second of cluster time later: the candidate and its vote request are on screen.
    expect(h.store.getState().electionEvents.map((e) => e.event.type)).toEqual(['role', 'voteRequested', 'voteGranted', 'role']);
    h.store.getState().pauseReplay();
    h.clock.now += 5_000;
    vi.advanceTimersByTime(5_000);
    expect(h.store.getState().replay).toMatchObject({ at: T0 + 1_250, playing: false });
    h.store.getState().playReplay();
    h.clock.now += 20_000;
    vi.advanceTimersByTime(50);
    expect(h.store.getState().replay).toMatchObject({ at: T0 + 3_400, playing: false });
    expect(h.store.getState().snapshot?.leaderId).toBe(2);
  });

  it('says so when the manager keeps no journal, and stays live', async () => {
    const h = harness();
    h.api.on('GET', /^\/api\/journal\?/, () => {
      throw Object.assign(new Error('x'), { code: 'conflict', detail: 'this manager keeps no journal', status: 409 });
    });
    await h.store.getState().openReplay();
    expect(h.store.getState().replay.at).toBeNull();
    expect(h.store.getState().replay.error).toMatch(/^Replay is not available/);
  });
});
