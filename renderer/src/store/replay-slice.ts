// Live or replayed: the cluster frame (cluster-frame.ts) the views show. Live, each record folds
// into the shown state as it arrives. Replaying, the shown state is the journal's records folded
// up to the chosen moment, while live records keep folding into a frame kept aside for "Live".
import type { JournalRecord } from '../../../node-runtime/common/manager-api';
import { asRequestError } from '../api/request-error';
import { describeFailure } from '../format/error-text';
import { EMPTY_FRAME, foldFrame, foldUntil, frameOf, type ClusterFrame } from './cluster-frame';
import type { ReplayData, ReplaySlice, SliceCreator } from './state';

/**
 * How far back replay reaches, and at most how many records it loads: the whole stretch is loaded
 * at once (a few MB for an idle cluster), so it stays well inside what the journal keeps.
 */
export const REPLAY_WINDOW_MS = 5 * 60 * 1000;
const REPLAY_MAX_RECORDS = 10_000;
/** Slow motion plays at a quarter of real time. */
export const SLOW_MOTION_SPEED = 0.25;
export const SLOW_MOTION_DEFAULT_MS = 10_000;
const PLAY_TICK_MS = 50;

const LIVE: ReplayData = { at: null, records: [], from: 0, until: 0, loading: false, error: null, playing: false };

export const createReplaySlice: SliceCreator<ReplaySlice> = (set, get, deps) => {
  /** The live frame while a past moment is shown. */
  let live: ClusterFrame | null = null;
  /** The last fold: seeking forward continues from it, seeking back starts over. */
  let cursor = { frame: EMPTY_FRAME, next: 0, at: -Infinity };
  let player: ReturnType<typeof setInterval> | null = null;

  const patch = (update: Partial<ReplayData>) => set((s) => ({ replay: { ...s.replay, ...update } }));

  const stopPlayer = () => {
    if (player !== null) clearInterval(player);
    player = null;
  };

  function seek(at: number): void {
    const { records, from, until } = get().replay;
    const target = Math.min(until, Math.max(from, at));
    const start = target >= cursor.at ? cursor : { frame: EMPTY_FRAME, next: 0, at: -Infinity };
    const folded = foldUntil(start.frame, records, start.next, target);
    cursor = { ...folded, at: target };
    set((s) => ({ ...folded.frame, replay: { ...s.replay, at: target } }));
  }

  async function open(): Promise<boolean> {
    if (get().replay.at !== null) return true;
    patch({ loading: true, error: null });
    const now = deps.now();
    try {
      const records = await deps.api.request<JournalRecord[]>('GET', `/api/journal?since=${now - REPLAY_WINDOW_MS}&until=${now}&limit=${REPLAY_MAX_RECORDS}`);
      if (records.length === 0) {
        patch({ loading: false, error: 'Nothing recorded yet: the journal holds no history to replay.' });
        return false;
      }
      live = frameOf(get());
      cursor = { frame: EMPTY_FRAME, next: 0, at: -Infinity };
      const from = (records[0] as JournalRecord).at;
      const until = (records.at(-1) as JournalRecord).at;
      patch({ records, from, until, loading: false, playing: false });
      seek(until);
      return true;
    } catch (err) {
      const failure = asRequestError(err);
      patch({ loading: false, error: `Replay is not available: ${describeFailure(failure.code, failure.detail)}` });
      return false;
    }
  }

  function play(): void {
    const { at, until } = get().replay;
    if (at === null) return;
    stopPlayer();
    const startAt = at >= until ? get().replay.from : at;
    const startedWall = deps.now();
    patch({ playing: true });
    player = setInterval(() => {
      const next = startAt + (deps.now() - startedWall) * SLOW_MOTION_SPEED;
      seek(next);
      if (next >= get().replay.until) {
        stopPlayer();
        patch({ playing: false });
      }
    }, PLAY_TICK_MS);
  }

  return {
    electionEvents: [],
    replay: LIVE,

    observeRecord(record) {
      if (live !== null) live = foldFrame(live, record);
      else set((s) => {
        const before = frameOf(s);
        const after = foldFrame(before, record);
        return after === before ? {} : after;
      });
    },

    liveSnapshot: () => (live ?? get()).snapshot,

    openReplay: async () => {
      await open();
    },

    seekReplay(at) {
      if (get().replay.at === null) return;
      stopPlayer();
      patch({ playing: false });
      seek(at);
    },

    async slowMotion(lastMs = SLOW_MOTION_DEFAULT_MS) {
      if (!(await open())) return;
      stopPlayer();
      seek(get().replay.until - lastMs);
      play();
    },

    playReplay: play,

    pauseReplay() {
      stopPlayer();
      patch({ playing: false });
    },

    goLive() {
      stopPlayer();
      const frame = live ?? frameOf(get());
      live = null;
      cursor = { frame: EMPTY_FRAME, next: 0, at: -Infinity };
      set({ ...frame, replay: LIVE });
    },
  };
};
