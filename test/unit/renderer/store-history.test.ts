import { describe, expect, it } from 'vitest';
import { MAX_LOG_LINES } from '../../../renderer/src/store/logs-slice';
import { chartWindow } from '../../../renderer/src/store/chart-window';
import { CHART_RANGES_MS, HISTORY_WINDOW_MS } from '../../../renderer/src/store/metrics-slice';
import type { ChartRecord, ClusterSnapshot } from '../../../node-runtime/common/manager-api';
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import { healthyCluster, node } from './fixtures';
import { harness, settle } from './fake-deps';

describe('recovery history from consecutive snapshots', () => {
  it('notes a node going down, installing a snapshot and finishing a scrub', () => {
    const h = harness();
    const base = healthyCluster();
    h.store.getState().handleEvent({ type: 'snapshot', data: base });
    const down = { ...base, updatedAt: base.updatedAt + 1000, nodes: [base.nodes[0]!, base.nodes[1]!, node(3, { reachable: false })] };
    h.store.getState().handleEvent({ type: 'snapshot', data: down });
    const catching = {
      ...base,
      updatedAt: base.updatedAt + 2000,
      nodes: [
        base.nodes[0]!,
        base.nodes[1]!,
        node(3, { recovery: { catchingUp: true, entriesBehind: 40, chunksMissing: 12, snapshot: { inProgress: true, bytesReceived: 0, bytesTotal: 4096 } } }),
      ],
    };
    h.store.getState().handleEvent({ type: 'snapshot', data: catching });
    const done = {
      ...base,
      updatedAt: base.updatedAt + 3000,
      nodes: [
        base.nodes[0]!,
        base.nodes[1]!,
        node(3, {
          recovery: {
            chunksFetched: 12,
            bytesFetched: 12 * 1024,
            scrub: {
              running: false,
              lastRun: { startedAt: '2026-11-26T14:00:00.000Z', finishedAt: '2026-11-26T14:00:02.000Z', checked: 320, corrupt: 2, repaired: 2, unrepairable: 0, bytesPerSec: 1e6, bytesChecked: 2_000_000, removed: 0, leftCorrupt: 0, missing: 0 },
              current: null,
            },
          },
        }),
      ],
    };
    h.store.getState().handleEvent({ type: 'snapshot', data: done });
    expect(h.store.getState().recoveryEvents.map((e) => [e.nodeId, e.kind])).toEqual([
      [3, 'nodeDown'],
      [3, 'nodeUp'],
      [3, 'snapshotStarted'],
      [3, 'snapshotFinished'],
      [3, 'scrubFinished'],
    ]);
    expect(h.store.getState().recoveryEvents.at(-1)?.text).toBe('scrub finished: 320 chunks checked, 2 corrupt, 2 repaired');
  });
});

describe('catch-ups from what the stream brings', () => {
  it('folds snapshots and node events, each at the moment the dashboard received it', () => {
    const h = harness();
    const base = healthyCluster();
    const event = (seq: number, applied: number, fetched: number) => [
      { node: 3, seq, runStartedAt: 1, time: 0, type: 'progress' as const, term: 4, commitIndex: applied, appliedIndex: applied, lastIndex: applied, snapshotIndex: 0, peers: [] },
      { node: 3, seq: seq + 1, runStartedAt: 1, time: 0, type: 'catchUp' as const, catchingUp: false, entriesBehind: 0, chunksMissing: 0, chunksFetched: fetched, bytesFetched: fetched * 1024 },
    ];
    const send = (data: ClusterSnapshot | NodeEvent) => h.store.getState().handleEvent('nodes' in data ? { type: 'snapshot', data } : { type: 'nodeEvent', data });
    [base, ...event(1, 120, 3)].forEach(send);
    h.clock.now += 1_000;
    send({ ...base, nodes: [base.nodes[0]!, base.nodes[1]!, node(3, { reachable: false })] });
    h.clock.now += 1_000;
    send(base);
    h.clock.now += 500;
    event(3, 120, 5).forEach(send);
    const started = h.clock.now - 500;
    // Whole by its log the moment it was back; the chunks it counted just after are this catch-up's.
    expect(h.store.getState().catchUpHistory.catchUps).toEqual([
      { id: 1, nodeId: 3, reason: 'down', outAt: started - 1_000, startedAt: started, endedAt: started, entries: 0, chunks: 2, bytes: 2048 },
    ]);
  });
});

describe('recovery history from log lines', () => {
  it('adds corrupt chunks the scrubber reports, and ignores other lines', () => {
    const h = harness();
    const line = (fields: Record<string, unknown>, msg: string) => ({ nodeId: 2, source: 'stdout' as const, time: 5, level: 'warn' as const, msg, fields });
    h.store.getState().handleEvent({ type: 'log', data: line({ event: 'scrubCorruptChunk', hash: 'ab12', outcome: 'repaired' }, 'scrub: chunk ab12… is corrupt; repaired') });
    h.store.getState().handleEvent({ type: 'log', data: line({ event: 'listening' }, 'node 2 listening') });
    expect(h.store.getState().recoveryEvents).toEqual([{ time: 5, nodeId: 2, kind: 'corruptChunk', text: 'scrub: chunk ab12… is corrupt; repaired' }]);
  });
});

describe('logs and metrics buffers', () => {
  it('keeps the newest log lines and counts those missed while paused', () => {
    const h = harness();
    const line = (i: number) => ({ nodeId: 1, source: 'stdout' as const, time: i, level: 'info' as const, msg: `line ${i}`, fields: {} });
    h.store.getState().appendLogs(Array.from({ length: MAX_LOG_LINES + 10 }, (_, i) => line(i)));
    expect(h.store.getState().logs.lines).toHaveLength(MAX_LOG_LINES);
    expect(h.store.getState().logs.lines[0]?.msg).toBe('line 10');
    h.store.getState().setLogsPaused(true);
    h.store.getState().appendLogs([line(1), line(2)]);
    expect(h.store.getState().logs.missedWhilePaused).toBe(2);
    expect(h.store.getState().logs.pausedLines).toHaveLength(MAX_LOG_LINES);
    h.store.getState().setLogsPaused(false);
    expect(h.store.getState().logs.pausedLines).toBeNull();
  });

  it('keeps ten minutes of one-second samples', () => {
    const h = harness();
    const t = h.clock.now;
    h.store.getState().recordSample(t - HISTORY_WINDOW_MS - 1000);
    h.store.getState().recordSample(t - 1000);
    h.store.getState().recordSample(t);
    expect(h.store.getState().metrics.samples.map((s) => s.time)).toEqual([t - 1000, t]);
  });

  it('derives client throughput from the nodes’ counters, counting a restarted node’s sample as 0', () => {
    const h = harness();
    const t = h.clock.now;
    const traffic = (uploadedBytes: number, downloadedBytes: number, latencyP50Ms: number | null = null, latencyP95Ms: number | null = null) => ({
      uploadedBytes,
      downloadedBytes,
      requests: 0,
      proposalsCommitted: 0,
      proposalsFailed: 0,
      latencyP50Ms,
      latencyP95Ms,
    });
    const sampleWith = (time: number, nodes: ReturnType<typeof node>[]) => {
      h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster({ nodes, updatedAt: time }) });
      h.store.getState().recordSample(time);
      return h.store.getState().metrics.samples.at(-1);
    };
    // The first reading is only a baseline: counters since the node started are not a rate.
    expect(sampleWith(t, [node(1, { stats: { traffic: traffic(50_000, 9_000) } }), node(2, { stats: { traffic: traffic(1_000, 0) } })])).toMatchObject({
      uploadBytesPerSec: 0,
      downloadBytesPerSec: 0,
    });
    expect(
      sampleWith(t + 2000, [node(1, { stats: { traffic: traffic(54_000, 10_000, 3, 12) } }), node(2, { stats: { traffic: traffic(3_000, 2_000, 8, 9) } })]),
    ).toMatchObject({ uploadBytesPerSec: 3000, downloadBytesPerSec: 1500, latencyP50Ms: 8, latencyP95Ms: 12 });
    // Node 1 restarted (its counters start again from 0); node 2 keeps counting.
    expect(
      sampleWith(t + 3000, [node(1, { stats: { traffic: traffic(500, 100, 2, 4) } }), node(2, { stats: { traffic: traffic(4_000, 2_000, 8, 9) } })]),
    ).toMatchObject({ uploadBytesPerSec: 1000, downloadBytesPerSec: 0 });
    // An unreachable node's last report no longer speaks for the latency now.
    expect(
      sampleWith(t + 4000, [node(1, { stats: { traffic: traffic(700, 100, 2, 4) } }), node(2, { reachable: false, stats: { traffic: traffic(4_000, 2_000, 8, 9) } })]),
    ).toMatchObject({ uploadBytesPerSec: 200, downloadBytesPerSec: 0, latencyP50Ms: 2, latencyP95Ms: 4 });
  });

  it('restores the charts’ hour from the manager’s chart history: the 1 h range shows it, 5 min only its end', async () => {
    const h = harness();
    const t = h.clock.now;
    // What the manager keeps: one snapshot per 5 s beyond 15 minutes, one a second after.
    const times = [...Array.from({ length: 540 }, (_, i) => t - HISTORY_WINDOW_MS + 5_000 * (i + 1)), ...Array.from({ length: 900 }, (_, i) => t - 900_000 + 1_000 * (i + 1))];
    const records: ChartRecord[] = times.map((at, i) => ({ at, name: 'snapshot', data: healthyCluster({ updatedAt: at, nodes: [node(1, { stats: { traffic: { uploadedBytes: 1_000 * i, downloadedBytes: 0, requests: 0, proposalsCommitted: i, proposalsFailed: 0, latencyP50Ms: 1, latencyP95Ms: 2 } } })] }) }));
    records.push({ at: t - 50 * 60_000, name: 'leaderChange', data: { time: t - 50 * 60_000, term: 3, leaderId: 1 } });
    h.api.on('GET', /^\/api\/chart-history\?since=\d+$/, () => records);
    await h.store.getState().loadHistory();
    await settle();
    expect(h.api.calls.map((c) => c.path)).toEqual([`/api/chart-history?since=${t - HISTORY_WINDOW_MS}`]);
    const { samples, leaderChanges } = h.store.getState().metrics;
    expect(samples).toHaveLength(times.length);
    expect(samples[0]?.time).toBe(t - HISTORY_WINDOW_MS + 5_000);
    // 1,000 bytes per record: 200 B/s where records are 5 s apart, 1,000 B/s where they are 1 s apart.
    expect(samples[100]?.uploadBytesPerSec).toBe(200);
    expect(samples.at(-1)?.uploadBytesPerSec).toBe(1_000);
    const hour = chartWindow(samples, leaderChanges, CHART_RANGES_MS[2]);
    const fiveMinutes = chartWindow(samples, leaderChanges, CHART_RANGES_MS[0]);
    expect(t - (hour.samples[0]?.time ?? t)).toBeGreaterThan(59 * 60_000);
    expect(hour.marks.map((m) => m.term)).toEqual([3]);
    expect(t - (fiveMinutes.samples[0]?.time ?? 0)).toBeLessThanOrEqual(5 * 60_000);
    expect(fiveMinutes.marks).toEqual([]);
  });
});
