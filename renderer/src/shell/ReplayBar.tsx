// The time slider: scrub back through the journal and every cluster view (header, node cards,
// Raft view, recovery, activity) shows the cluster as it was then; "Live" returns. Slow motion
// plays the last few seconds at a quarter of real time.
import { formatClock, formatDuration } from '../format/units';
import { useApp } from '../store/context';
import { SLOW_MOTION_DEFAULT_MS } from '../store/replay-slice';

/** "14:03:07.250": replay moves in steps far below a second. */
function clockWithMs(at: number): string {
  return `${formatClock(at)}.${String(Math.floor(at % 1000)).padStart(3, '0')}`;
}

function LiveControls() {
  const openReplay = useApp((s) => s.openReplay);
  const slowMotion = useApp((s) => s.slowMotion);
  const loading = useApp((s) => s.replay.loading);
  return (
    <>
      <span className="pill pill-ok">Live</span>
      <button type="button" className="btn" disabled={loading} onClick={() => void openReplay()}>
        Replay…
      </button>
      <button type="button" className="btn" disabled={loading} onClick={() => void slowMotion()}>
        Slow motion (last {SLOW_MOTION_DEFAULT_MS / 1000} s at ¼ speed)
      </button>
    </>
  );
}

function ReplayControls({ at }: { at: number }) {
  const replay = useApp((s) => s.replay);
  const seek = useApp((s) => s.seekReplay);
  const play = useApp((s) => s.playReplay);
  const pause = useApp((s) => s.pauseReplay);
  const slowMotion = useApp((s) => s.slowMotion);
  const goLive = useApp((s) => s.goLive);
  return (
    <>
      <span className="pill pill-warn" role="status" aria-label="Replaying">
        Replay · {clockWithMs(at)} ({formatDuration(replay.until - at)} before the newest record)
      </span>
      <input
        type="range"
        aria-label="Replay time"
        min={replay.from}
        max={replay.until}
        step={50}
        value={at}
        onChange={(e) => seek(Number(e.currentTarget.value))}
        style={{ flex: '1 1 240px' }}
      />
      {replay.playing ? (
        <button type="button" className="btn" onClick={pause}>
          Pause
        </button>
      ) : (
        <button type="button" className="btn" onClick={play}>
          Play at ¼ speed
        </button>
      )}
      <button type="button" className="btn" onClick={() => void slowMotion()}>
        Last {SLOW_MOTION_DEFAULT_MS / 1000} s in slow motion
      </button>
      <button type="button" className="btn btn-primary" onClick={goLive}>
        Live
      </button>
    </>
  );
}

export function ReplayBar() {
  const at = useApp((s) => s.replay.at);
  const error = useApp((s) => s.replay.error);
  return (
    <div className="row replay-bar" role="group" aria-label="Time" style={{ padding: '6px 16px', gap: 8, flexWrap: 'wrap' }}>
      {at === null ? <LiveControls /> : <ReplayControls at={at} />}
      {error !== null && (
        <span className="muted" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
