// A rolling ten-minute history for the charts: one sample per second, taken from the latest
// snapshot plus what the store measured in that second (upload bytes, request round trips).
import { entriesBehindLeader, leaderOf } from './cluster-derive';
import type { MetricSample, MetricsData, MetricsSlice, SliceCreator } from './state';

export const HISTORY_WINDOW_MS = 10 * 60 * 1000;
const MAX_TRACKED_UPLOADS = 1000;

export const createMetricsSlice: SliceCreator<MetricsSlice> = (set, get) => {
  let latencySum = 0;
  let latencyCount = 0;
  let latencyMax = 0;
  let uploadBytes = 0;
  let lastSampleAt: number | null = null;
  const uploadSeen = new Map<string, number>();

  const patch = (update: (m: MetricsData) => Partial<MetricsData>) => set((s) => ({ metrics: { ...s.metrics, ...update(s.metrics) } }));

  return {
    metrics: { samples: [], leaderChanges: [] },

    recordLatency(ms) {
      latencySum += ms;
      latencyCount += 1;
      latencyMax = Math.max(latencyMax, ms);
    },

    recordUploadProgress(uploadId, bytesSoFar) {
      const before = uploadSeen.get(uploadId) ?? 0;
      if (bytesSoFar <= before) return;
      uploadBytes += bytesSoFar - before;
      uploadSeen.delete(uploadId);
      uploadSeen.set(uploadId, bytesSoFar);
      if (uploadSeen.size > MAX_TRACKED_UPLOADS) {
        const oldest = uploadSeen.keys().next().value;
        if (oldest !== undefined) uploadSeen.delete(oldest);
      }
    },

    recordLeaderChange(mark) {
      patch((m) => {
        const last = m.leaderChanges.at(-1);
        if (last !== undefined && last.term === mark.term && last.leaderId === mark.leaderId) return {};
        return { leaderChanges: [...m.leaderChanges, mark] };
      });
    },

    recordSample(now) {
      const snapshot = get().snapshot;
      const leaderStatus = leaderOf(snapshot)?.report;
      const lagByNode: Record<number, number> = {};
      const bytesOnDiskByNode: Record<number, number> = {};
      for (const node of snapshot?.nodes ?? []) {
        if (node.id !== snapshot?.leaderId) {
          const lag = entriesBehindLeader(snapshot, node);
          if (lag !== null) lagByNode[node.id] = lag;
        }
        const stats = node.report?.stats;
        if (stats !== undefined && stats !== null) bytesOnDiskByNode[node.id] = stats.bytesOnDisk;
      }
      const seconds = lastSampleAt === null ? 1 : Math.max(0.001, (now - lastSampleAt) / 1000);
      const sample: MetricSample = {
        time: now,
        leaderCommit: leaderStatus?.status.commitIndex ?? null,
        term: leaderStatus?.status.term ?? null,
        lagByNode,
        bytesOnDiskByNode,
        totalSize: leaderStatus?.stats?.totalSize ?? null,
        uploadBytesPerSec: uploadBytes / seconds,
        latencyMeanMs: latencyCount > 0 ? latencySum / latencyCount : null,
        latencyMaxMs: latencyCount > 0 ? latencyMax : null,
      };
      lastSampleAt = now;
      latencySum = 0;
      latencyCount = 0;
      latencyMax = 0;
      uploadBytes = 0;
      const since = now - HISTORY_WINDOW_MS;
      patch((m) => ({
        samples: [...m.samples.filter((s) => s.time >= since), sample],
        leaderChanges: m.leaderChanges.filter((c) => c.time >= since),
      }));
    },
  };
};
