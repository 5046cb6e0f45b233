import { memo } from 'react';
// One upload: progress in bytes and percent, speed, and what to do next.
import { formatBytes, formatRate } from '../../format/units';
import { ProgressBar } from '../../shell/ProgressBar';
import { useApp } from '../../store/context';
import type { UploadEntry } from '../../store/state';

const STATE_TEXT: Readonly<Record<UploadEntry['state'], string>> = {
  queued: 'Waiting',
  uploading: 'Uploading',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** Between tries after a "not now", or while the cluster elects: the cluster holds the upload. */
export function waitsForLeader(entry: UploadEntry, noLeader: boolean): boolean {
  return entry.state === 'uploading' && ((entry.waitingSince !== null && entry.bytesSent === 0) || noLeader);
}

// Memoised: a progress event changes one entry, and only its row should repaint.
export const UploadRow = memo(function UploadRow({ entry }: { entry: UploadEntry }) {
  const cancel = useApp((s) => s.cancelUpload);
  const retry = useApp((s) => s.retryUpload);
  const dismiss = useApp((s) => s.dismissUpload);
  const noLeader = useApp((s) => s.snapshot !== null && s.snapshot.leaderId === null);
  const waiting = waitsForLeader(entry, noLeader);
  const percent = entry.size > 0 ? (entry.bytesSent / entry.size) * 100 : entry.state === 'done' ? 100 : 0;
  const tone = entry.state === 'failed' ? 'bad' : entry.state === 'done' ? 'ok' : undefined;

  return (
    <li aria-label={entry.name} className="upload-row">
      <span className="file-name" title={entry.name}>
        {entry.name}
      </span>
      <ProgressBar
        label={`Upload ${entry.name}`}
        value={percent}
        valueText={`${formatBytes(entry.bytesSent)} of ${formatBytes(entry.size)} (${Math.floor(percent)}%)`}
        tone={tone}
      />
      <span className="num">
        {formatBytes(entry.bytesSent)} / {formatBytes(entry.size)} · {Math.floor(percent)}%
      </span>
      <span className="num muted" title={waiting ? 'No leader right now: the upload goes on by itself once one is elected' : entry.state === 'uploading' && entry.bytesSent >= entry.size ? 'All bytes sent; waiting for a majority of nodes to store the file' : undefined}>
        {entry.state !== 'uploading' ? STATE_TEXT[entry.state] : waiting ? 'Waiting for a leader…' : entry.bytesSent >= entry.size ? 'Committing…' : formatRate(entry.bytesPerSec)}
      </span>
      <span className="row">
        {(entry.state === 'uploading' || entry.state === 'queued') && (
          <button type="button" className="btn btn-small" aria-label={`Cancel upload of ${entry.name}`} onClick={() => cancel(entry.id)}>
            Cancel
          </button>
        )}
        {(entry.state === 'failed' || entry.state === 'cancelled') && entry.error?.code !== 'name_invalid' && (
          <button type="button" className="btn btn-small" aria-label={`Retry upload of ${entry.name}`} onClick={() => retry(entry.id)}>
            Retry
          </button>
        )}
        {(entry.state === 'failed' || entry.state === 'cancelled') && (
          <button type="button" className="btn btn-small" aria-label={`Dismiss upload of ${entry.name}`} onClick={() => dismiss(entry.id)}>
            Dismiss
          </button>
        )}
      </span>
      {entry.error !== null && <p className="upload-error">{entry.error.message}</p>}
    </li>
  );
});
