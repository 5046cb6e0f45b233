// The upload queue, docked under every view while there is something to show: one summary line
// (overall progress, counts, speed) that unfolds into a row per file. In the page's flow, never
// over it, so it cannot cover a view's controls.
import { useEffect, useState } from 'react';
import { formatBytes, formatRate } from '../../format/units';
import { ProgressBar } from '../../shell/ProgressBar';
import { useApp } from '../../store/context';
import type { UploadEntry } from '../../store/state';
import { UploadRow, waitsForLeader } from './UploadRow';

/** A dropped folder can queue thousands of files; past this many rows the dock lists what matters. */
export const MAX_UPLOAD_ROWS = 100;

/** All rows while few; otherwise failures, running uploads, then the next queued, up to the cap. */
function rowsToShow(uploads: readonly UploadEntry[]): readonly UploadEntry[] {
  if (uploads.length <= MAX_UPLOAD_ROWS) return uploads;
  const order: readonly UploadEntry['state'][] = ['failed', 'uploading', 'queued'];
  return order.flatMap((state) => uploads.filter((u) => u.state === state)).slice(0, MAX_UPLOAD_ROWS);
}

/** Few enough rows to show without asking; more collapse to the summary line unless one failed. */
const OPEN_BY_DEFAULT_MAX = 3;

function Summary({ uploads }: { uploads: readonly UploadEntry[] }) {
  const noLeader = useApp((s) => s.snapshot !== null && s.snapshot.leaderId === null);
  const done = uploads.filter((u) => u.state === 'done').length;
  const failed = uploads.filter((u) => u.state === 'failed').length;
  const queued = uploads.filter((u) => u.state === 'queued').length;
  const waitingForLeader = uploads.filter((u) => waitsForLeader(u, noLeader)).length;
  const counted = uploads.filter((u) => u.state !== 'cancelled');
  const total = counted.reduce((sum, u) => sum + u.size, 0);
  const sent = counted.reduce((sum, u) => sum + (u.state === 'done' ? u.size : u.bytesSent), 0);
  const rate = uploads.reduce((sum, u) => sum + (u.state === 'uploading' ? u.bytesPerSec : 0), 0);
  const percent = total > 0 ? (sent / total) * 100 : done > 0 ? 100 : 0;
  return (
    <>
      <ProgressBar label="All uploads" value={percent} valueText={`${formatBytes(sent)} of ${formatBytes(total)}`} tone={failed > 0 ? 'bad' : done === uploads.length ? 'ok' : undefined} />
      <span className="num muted upload-counts">
        {done} of {uploads.length} done{failed > 0 ? ` · ${failed} failed` : ''}
        {waitingForLeader > 0 ? ` · ${waitingForLeader} waiting for a leader` : ''}
        {queued > 0 ? ` · ${queued} queued` : ''}
        {rate > 0 ? ` · ${formatRate(rate)}` : ''}
      </span>
    </>
  );
}

export function UploadQueue() {
  const uploads = useApp((s) => s.uploads);
  const clearFinished = useApp((s) => s.clearFinishedUploads);
  // The person's own choice wins; until they make one, small queues and failures show their rows.
  const [choice, setChoice] = useState<boolean | null>(null);
  const uploading = uploads.some((u) => u.state === 'uploading' || u.state === 'queued');
  useEffect(() => {
    if (!uploading) return;
    // Closing the window would abort the uploads; let the browser ask first.
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [uploading]);
  if (uploads.length === 0) return null;
  const failed = uploads.some((u) => u.state === 'failed');
  const open = choice ?? (uploads.length <= OPEN_BY_DEFAULT_MAX || failed);
  const shown = rowsToShow(uploads);
  return (
    <section aria-label="Uploads" className="upload-dock">
      <div className="row upload-summary">
        <button type="button" className="link-button upload-toggle" aria-expanded={open} aria-controls="upload-queue" onClick={() => setChoice(!open)}>
          <span aria-hidden="true">{open ? '▾' : '▸'} </span>Uploads
        </button>
        <Summary uploads={uploads} />
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={clearFinished}>
          Clear finished
        </button>
      </div>
      {open && (
        <ul id="upload-queue" role="list" aria-label="Upload queue" className="upload-list">
          {shown.map((entry) => (
            <UploadRow key={entry.id} entry={entry} />
          ))}
        </ul>
      )}
      {open && shown.length < uploads.length && (
        <p className="muted num" style={{ margin: '4px 0 0' }}>
          {uploads.length - shown.length} more not listed.
        </p>
      )}
    </section>
  );
}
