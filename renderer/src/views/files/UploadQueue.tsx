// The upload queue, docked at the bottom of every view while there is something to show.
import { useEffect, useState } from 'react';
import { useApp } from '../../store/context';
import type { UploadEntry } from '../../store/state';
import { UploadRow } from './UploadRow';

/** A dropped folder can queue thousands of files; past this many rows the dock lists what matters. */
export const MAX_UPLOAD_ROWS = 100;

/** All rows while few; otherwise failures, running uploads, then the next queued, up to the cap. */
function rowsToShow(uploads: readonly UploadEntry[]): readonly UploadEntry[] {
  if (uploads.length <= MAX_UPLOAD_ROWS) return uploads;
  const order: readonly UploadEntry['state'][] = ['failed', 'uploading', 'queued'];
  return order.flatMap((state) => uploads.filter((u) => u.state === state)).slice(0, MAX_UPLOAD_ROWS);
}

export function UploadQueue() {
  const uploads = useApp((s) => s.uploads);
  const clearFinished = useApp((s) => s.clearFinishedUploads);
  const [open, setOpen] = useState(true);
  const uploading = uploads.some((u) => u.state === 'uploading' || u.state === 'queued');
  useEffect(() => {
    if (!uploading) return;
    // Closing the window would abort the uploads; let the browser ask first.
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [uploading]);
  if (uploads.length === 0) return null;
  const done = uploads.filter((u) => u.state === 'done').length;
  const failed = uploads.filter((u) => u.state === 'failed').length;
  const waiting = uploads.filter((u) => u.state === 'queued').length;
  const shown = rowsToShow(uploads);
  return (
    <section aria-label="Uploads" className="upload-dock">
      <div className="row">
        <h2 style={{ margin: 0 }}>Uploads</h2>
        <span className="num muted">
          {done} of {uploads.length} done{failed > 0 ? ` · ${failed} failed` : ''}{waiting > 0 ? ` · ${waiting} waiting` : ''}
        </span>
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={clearFinished}>
          Clear finished
        </button>
        <button type="button" className="btn btn-small" aria-expanded={open} aria-controls="upload-queue" onClick={() => setOpen(!open)}>
          {open ? 'Hide' : 'Show'}
        </button>
      </div>
      {open && (
        <ul id="upload-queue" role="list" aria-label="Upload queue" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {shown.map((entry) => (
            <UploadRow key={entry.id} entry={entry} />
          ))}
        </ul>
      )}
      {open && shown.length < uploads.length && (
        <p className="muted num" style={{ margin: '4px 0 0' }}>
          {uploads.length - shown.length} more not listed; in all {done} done{waiting > 0 ? ` and ${waiting} waiting` : ''}.
        </p>
      )}
    </section>
  );
}
