// The live tail of every node's log: a bounded buffer fed by SSE `log` events, a backfill from the
// manager's ring buffers on (re)connect, filters, and pause.
import type { LogLine } from '../../../node-runtime/common/manager-api';
import type { LogsData, LogsSlice, SliceCreator } from './state';

export const MAX_LOG_LINES = 5000;
const BACKFILL_LINES = 1000;

const EMPTY_LOGS: LogsData = {
  lines: [],
  pausedLines: null,
  missedWhilePaused: 0,
  filter: { node: 'all', minLevel: 'info', text: '' },
};

const keepLast = (lines: readonly LogLine[]) => (lines.length > MAX_LOG_LINES ? lines.slice(lines.length - MAX_LOG_LINES) : lines);

export const createLogsSlice: SliceCreator<LogsSlice> = (set, get, deps) => {
  const request = deps.api.request.bind(deps.api);
  const patch = (update: (l: LogsData) => Partial<LogsData>) => set((s) => ({ logs: { ...s.logs, ...update(s.logs) } }));

  return {
    logs: EMPTY_LOGS,

    appendLogs(lines) {
      if (lines.length === 0) return;
      patch((l) => ({
        lines: keepLast([...l.lines, ...lines]),
        missedWhilePaused: l.pausedLines === null ? 0 : l.missedWhilePaused + lines.length,
      }));
    },

    setLogFilter: (change) => patch((l) => ({ filter: { ...l.filter, ...change } })),

    setLogsPaused: (paused) => patch((l) => ({ pausedLines: paused ? l.lines : null, missedWhilePaused: 0 })),

    async loadRecentLogs() {
      const before = get().logs.lines.length;
      let recent: LogLine[];
      try {
        recent = await request<LogLine[]>('GET', `/api/logs?limit=${BACKFILL_LINES}`);
      } catch {
        return;
      }
      if (!Array.isArray(recent)) return;
      const newest = recent.reduce((t, line) => Math.max(t, line.time), 0);
      // Lines that arrived over SSE while the backfill was in flight and are newer than it.
      patch((l) => ({ lines: keepLast([...recent, ...l.lines.slice(before).filter((line) => line.time > newest)]) }));
    },
  };
};
