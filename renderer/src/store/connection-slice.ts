// Owns the one SSE connection: opens it, reconnects with backoff when it breaks, and routes every
// event into the slices. Components never poll; they read what arrives here.
import type { EventStream } from '../api/event-stream';
import { leaderOf } from './cluster-derive';
import { asRequestError } from '../api/request-error';
import type { ConnectionProblem, ConnectionSlice, SliceCreator } from './state';

/** Waits before reconnect attempts 1, 2, 3…; the last value repeats. */
export const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000] as const;
const SAMPLE_INTERVAL_MS = 1000;

export const createConnectionSlice: SliceCreator<ConnectionSlice> = (set, get, deps) => {
  let stream: EventStream | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let sampleTimer: ReturnType<typeof setInterval> | null = null;
  let wanted = false;
  let stopMenu: (() => void) | null = null;

  const clearRetry = () => {
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
  };

  const markOpen = () => {
    if (get().connection.status === 'open') return;
    set((s) => ({ connection: { ...s.connection, status: 'open', failures: 0, nextRetryAt: null, problem: null } }));
    void get().loadRecentLogs();
    void get().loadProfiles();
    void get().loadHistory();
  };

  const scheduleRetry = () => {
    clearRetry();
    if (!wanted) return;
    const failures = get().connection.failures + 1;
    const delay = RECONNECT_DELAYS_MS[Math.min(failures, RECONNECT_DELAYS_MS.length) - 1] ?? 8000;
    set((s) => ({ connection: { ...s.connection, status: 'lost', failures, nextRetryAt: deps.now() + delay } }));
    retryTimer = setTimeout(open, delay);
  };

  function open() {
    clearRetry();
    stream?.close();
    stream = null;
    set((s) => ({ connection: { ...s.connection, status: s.connection.status === 'lost' ? 'lost' : 'connecting', nextRetryAt: null } }));
    let broken = false;
    let current: EventStream | null = null;
    current = deps.openEvents({
      onOpen: () => {
        if (!broken) markOpen();
      },
      onEvent: (event) => {
        if (!broken) get().handleEvent(event);
      },
      onError: () => {
        if (broken) return;
        broken = true;
        current?.close();
        if (stream === current) stream = null;
        scheduleRetry();
        void diagnose();
      },
    });
    if (broken) current.close();
    else stream = current;
  }

  /** EventSource hides why it failed; one plain request tells a refused token from a dead manager. */
  async function diagnose(): Promise<void> {
    let problem: ConnectionProblem = null;
    try {
      await deps.api.request('GET', '/api/cluster');
    } catch (err) {
      const failure = asRequestError(err);
      problem = failure.status === 401 ? 'unauthorized' : failure.status === 0 ? 'unreachable' : null;
    }
    if (get().connection.status === 'lost') set((s) => ({ connection: { ...s.connection, problem } }));
  }

  return {
    connection: { status: 'connecting', failures: 0, nextRetryAt: null, problem: null },

    connect() {
      if (wanted) return;
      wanted = true;
      open();
      stopMenu = deps.desktop?.onMenuCommand((command) => {
        if (command === 'attach-cluster') {
          get().setTab('overview');
          get().setAttachFormOpen(true);
        }
      }) ?? null;
      sampleTimer = setInterval(() => get().recordSample(deps.now()), SAMPLE_INTERVAL_MS);
    },

    disconnect() {
      wanted = false;
      clearRetry();
      stream?.close();
      stream = null;
      if (sampleTimer !== null) clearInterval(sampleTimer);
      sampleTimer = null;
      stopMenu?.();
      stopMenu = null;
    },

    reconnectNow() {
      if (!wanted) return;
      open();
    },

    handleEvent(event) {
      markOpen();
      const state = get();
      switch (event.type) {
        case 'snapshot': {
          const previous = state.liveSnapshot();
          state.observeRecord({ at: deps.now(), name: 'snapshot', data: event.data });
          const before = leaderOf(previous)?.report?.status;
          const after = leaderOf(event.data)?.report?.status;
          if (after !== undefined && before?.appliedIndex !== after.appliedIndex) state.noteFilesChanged();
          state.refreshShownDetails();
          break;
        }
        case 'log':
          state.appendLogs([event.data]);
          state.observeLogLine(event.data);
          break;
        case 'upload':
          if (event.data.state === 'done') state.noteFilesChanged();
          break;
        case 'archive':
          state.noteArchiveProgress(event.data);
          break;
        case 'leaderChange':
          state.observeRecord({ at: deps.now(), name: 'leaderChange', data: event.data });
          state.recordLeaderChange(event.data);
          break;
        case 'watchedFolders':
          set((s) => ({ watched: { ...s.watched, folders: event.data } }));
          break;
        case 'nodeEvent':
          state.observeRecord({ at: deps.now(), name: 'nodeEvent', data: event.data });
          break;
      }
    },
  };
};
