// One file in the listing, with its actions.
import { memo, useState } from 'react';
import type { FileListItem } from '../../../../node-runtime/common/api-types';
import { formatBytes, formatDateTime } from '../../format/units';
import { useApp } from '../../store/context';
import { LockStatus } from './LockStatus';
import { ReplicationStatus } from './ReplicationStatus';

export const FILE_ROW_HEIGHT = 36;

// Memoised: scrolling re-renders the window, and rows that stay in view need not repaint.
export const FileRow = memo(function FileRow({ file, index, top }: { file: FileListItem; index: number; top: number }) {
  const busy = useApp((s) => s.files.busy[file.name]);
  const heldHere = useApp((s) => s.files.heldLocks[file.name] !== undefined);
  const downloadUrl = useApp((s) => s.downloadUrl);
  const deleteFile = useApp((s) => s.deleteFile);
  const lockFile = useApp((s) => s.lockFile);
  const unlockFile = useApp((s) => s.unlockFile);
  const setPrefix = useApp((s) => s.setFilePrefix);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const name = file.name;
  const folder = name.slice(0, name.lastIndexOf('/') + 1);
  const baseName = name.slice(folder.length);

  return (
    <div role="row" aria-rowindex={index + 2} aria-label={name} className="file-row" style={{ top, height: FILE_ROW_HEIGHT }}>
      <span role="cell" className="file-name" title={name}>
        {folder !== '' && (
          <button type="button" className="link-button muted" aria-label={`Show the folder ${folder}`} onClick={() => setPrefix(folder)}>
            {folder}
          </button>
        )}
        {baseName}
      </span>
      <span role="cell" className="num">{formatBytes(file.size)}</span>
      <span role="cell" className="num">{formatDateTime(file.modifiedAt)}</span>
      <span role="cell" className="num">v{file.version}</span>
      <span role="cell"><ReplicationStatus name={name} /></span>
      <span role="cell"><LockStatus lock={file.lock} heldHere={heldHere} /></span>
      <span role="cell" className="row">
        <a className="btn btn-small" href={downloadUrl(name)} download={baseName} aria-label={`Download ${name}`}>
          Download
        </a>
        {file.lock === undefined ? (
          <button type="button" className="btn btn-small" aria-label={`Lock ${name}`} disabled={busy !== undefined} onClick={() => void lockFile(name)}>
            Lock
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Unlock ${name}`}
            disabled={busy !== undefined || !heldHere}
            title={heldHere ? undefined : 'Held by another client; it is released when they unlock or the lease expires.'}
            onClick={() => void unlockFile(name)}
          >
            Unlock
          </button>
        )}
        {confirmDelete ? (
          <button
            type="button"
            className="btn btn-small btn-danger"
            aria-label={`Confirm delete ${name}`}
            onBlur={() => setConfirmDelete(false)}
            onClick={() => {
              setConfirmDelete(false);
              void deleteFile(name);
            }}
          >
            Really?
          </button>
        ) : (
          <button type="button" className="btn btn-small btn-danger" aria-label={`Delete ${name}`} disabled={busy !== undefined} onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        )}
      </span>
    </div>
  );
});
