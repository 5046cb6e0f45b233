// A rolling one-hour history for the charts: one sample per second, taken from the latest
// snapshot. Client throughput and proposal rates are the growth of each node's cumulative traffic
// counters since the previous sample; latency is what the nodes measured themselves.
import type { ChartRecord, ManagedNode } from '../../../node-runtime/common/manager-api';
import { entriesBehindLeader, leaderOf } from './cluster-derive';
import type { LeaderChangeMark, MetricSample, MetricsData, MetricsSlice, SliceCreator } from './state';

export const HISTORY_WINDOW_MS = 60 * 60 * 1000;
/** The time ranges the charts offer: 5 min, 15 min, 1 h. */
export const CHART_RANGES_MS = [5 * 60 * 1000, 15 * 60 * 1000, HISTORY_WINDOW_MS] as const;

interface TrafficCounters {
  readonly uploadedBytes: number;
  readonly downloadedBytes: number;
  readonly proposalsCommitted: number;
  readonly proposalsFailed: number;
}

/** How much a cumulative counter grew; one that went down belongs to a restarted node: 0. */
function growth(before: number, after: number): number {
  return after >= before ? after - before : 0;
}

/** The largest known value, or null when no node knows one. */
function slowest(values: readonly (number | null | undefined)[]): number | null {
  const known = values.filter((v): v is number => typeof v === 'number');
  return known.length === 0 ? null : Math.max(...known);
}

/** Counters are compared per node process address, so switching clusters never reads as traffic. */
const counterKey = (node: ManagedNode) => `${node.id} ${node.httpUrl}`;

/** Leader changes with a leader, each in a newer term than the one before (the rest is not news). */
function newerTermsOnly(marks: readonly LeaderChangeMark[]): LeaderChangeMark[] {
  const kept: LeaderChangeMark[] = [];
  for (const mark of marks) {
    const last = kept.at(-1);
    if (mark.leaderId !== null && (last === undefined || mark.term > last.term)) kept.push(mark);
  }
  return kept;
}


export const createMetricsSlice: SliceCreator<MetricsSlice> = (set, get, deps) => {
  let historyLoaded = false;
  let lastSampleAt: number | null = null;
  let lastCounters = new Map<string, TrafficCounters>();

  const patch = (update: (m: MetricsData) => Partial<MetricsData>) => set((s) => ({ metrics: { ...s.metrics, ...update(s.metrics) } }));

  return {
    metrics: { samples: [], leaderChanges: [], rangeMs: CHART_RANGES_MS[1] },

    setChartRange: (rangeMs) => patch(() => ({ rangeMs })),

    // Only a leader elected in a newer term is a change: "no leader" between two leaders is the
    // election, not a change of its own, and a repeat or late report of a known term is not news.
    recordLeaderChange(mark) {
      patch((m) => ({ leaderChanges: newerTermsOnly([...m.leaderChanges, mark]) }));
    },

    restoreHistory(snapshots, marks) {
      if (snapshots.length === 0) return;
      // Replayed through the same sampling as live, then followed by what was sampled live so far.
      const live = get().metrics.samples;
      const liveCounters = lastCounters;
      const liveSampleAt = lastSampleAt;
      lastCounters = new Map();
      lastSampleAt = null;
      patch(() => ({ samples: [] }));
      for (const snapshot of snapshots) get().recordSample(snapshot.updatedAt, snapshot);
      const restoredUntil = get().metrics.samples.at(-1)?.time ?? 0;
      if (liveSampleAt !== null && liveSampleAt > restoredUntil) {
        lastCounters = liveCounters;
        lastSampleAt = liveSampleAt;
      }
      patch((m) => ({ samples: [...m.samples, ...live.filter((x) => x.time > restoredUntil)] }));
      patch((m) => ({ leaderChanges: newerTermsOnly([...marks, ...m.leaderChanges].sort((a, b) => a.time - b.time)) }));
    },

    async loadHistory() {
      if (historyLoaded) return;
      historyLoaded = true;
      // The manager keeps the charts' hour (a snapshot a second, one per 5 s beyond 15 minutes).
      const since = deps.now() - HISTORY_WINDOW_MS;
      try {
        const records = await deps.api.request<ChartRecord[]>('GET', `/api/chart-history?since=${since}`);
        const snapshots = records.flatMap((r) => (r.name === 'snapshot' ? [r.data] : []));
        const marks = records.flatMap((r) => (r.name === 'leaderChange' ? [r.data] : []));
        get().restoreHistory(snapshots, marks);
      } catch {
        // A manager without a journal (or an older one): the charts start now, as they used to.
      }
    },

    recordSample(now, snapshot = get().liveSnapshot()) {
      const nodes = snapshot?.nodes ?? [];
      const leaderStatus = leaderOf(snapshot)?.report;
      const lagByNode: Record<number, number> = {};
      const bytesOnDiskByNode: Record<number, number> = {};
      const throughputByNode: Record<number, number> = {};
      const latencyP95ByNode: Record<number, number> = {};
      const seconds = lastSampleAt === null ? 1 : Math.max(0.001, (now - lastSampleAt) / 1000);
      const counters = new Map<string, TrafficCounters>();
      let uploaded = 0;
      let downloaded = 0;
      let committed = 0;
      let failed = 0;
      for (const node of nodes) {
        if (node.id !== snapshot?.leaderId) {
          const lag = entriesBehindLeader(snapshot, node);
          if (lag !== null) lagByNode[node.id] = lag;
        }
        const stats = node.report?.stats;
        if (stats === undefined || stats === null) continue;
        bytesOnDiskByNode[node.id] = stats.bytesOnDisk;
        const before = lastCounters.get(counterKey(node));
        if (before !== undefined) {
          const up = growth(before.uploadedBytes, stats.traffic.uploadedBytes);
          const down = growth(before.downloadedBytes, stats.traffic.downloadedBytes);
          uploaded += up;
          downloaded += down;
          committed += growth(before.proposalsCommitted, stats.traffic.proposalsCommitted);
          failed += growth(before.proposalsFailed, stats.traffic.proposalsFailed);
          throughputByNode[node.id] = (up + down) / seconds;
        }
        if (node.reachable && stats.traffic.latencyP95Ms !== null) latencyP95ByNode[node.id] = stats.traffic.latencyP95Ms;
        counters.set(counterKey(node), stats.traffic);
      }
      // An unreachable node's report is its last one: its latency is history, not the present.
      const reachableTraffic = nodes.filter((n) => n.reachable).map((n) => n.report?.stats?.traffic);
      const sample: MetricSample = {
        time: now,
        leaderCommit: leaderStatus?.status.commitIndex ?? null,
        term: leaderStatus?.status.term ?? null,
        lagByNode,
        bytesOnDiskByNode,
        totalSize: leaderStatus?.stats?.totalSize ?? null,
        uploadBytesPerSec: uploaded / seconds,
        downloadBytesPerSec: downloaded / seconds,
        proposalsCommittedPerSec: committed / seconds,
        proposalsFailedPerSec: failed / seconds,
        throughputByNode,
        latencyP95ByNode,
        latencyP50Ms: slowest(reachableTraffic.map((t) => t?.latencyP50Ms)),
        latencyP95Ms: slowest(reachableTraffic.map((t) => t?.latencyP95Ms)),
      };
      lastSampleAt = now;
      lastCounters = counters;
      const since = now - HISTORY_WINDOW_MS;
      patch((m) => ({
        samples: [...m.samples.filter((s) => s.time >= since), sample],
        leaderChanges: m.leaderChanges.filter((c) => c.time >= since),
      }));
    },
  };
};
