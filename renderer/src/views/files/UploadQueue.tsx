// The upload queue, docked at the bottom of every view while there is something to show.
import { useEffect, useState } from 'react';
import { useApp } from '../../store/context';
import { UploadRow } from './UploadRow';

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
  return (
    <section aria-label="Uploads" className="upload-dock">
      <div className="row">
        <h2 style={{ margin: 0 }}>Uploads</h2>
        <span className="num muted">
          {done} of {uploads.length} done{failed > 0 ? ` · ${failed} failed` : ''}
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
          {uploads.map((entry) => (
            <UploadRow key={entry.id} entry={entry} />
          ))}
        </ul>
      )}
    </section>
  );
}
