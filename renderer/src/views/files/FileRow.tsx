// One entry of the open folder (or of a search's hits, with the folder each lives in): a
// sub-folder to step into, or a file with its status and actions.
// Every cell keeps to one line so a row never outgrows its fixed height.
import { memo } from 'react';
import type { FileListItem } from '../../../../node-runtime/common/api-types';
import { formatBytes, formatDateTime } from '../../format/units';
import { useApp } from '../../store/context';
import { baseName } from '../../store/files-derive';
import { ConfirmDeleteButton } from './ConfirmDeleteButton';
import { LockStatus } from './LockStatus';
import { ReplicationStatus } from './ReplicationStatus';

export const FILE_ROW_HEIGHT = 36;

export const FolderRow = memo(function FolderRow({ path, index, top }: { path: string; index: number; top: number }) {
  const open = useApp((s) => s.setFilePrefix);
  const ticked = useApp((s) => s.files.selected[path] === true);
  const setSelected = useApp((s) => s.setFilesSelected);
  return (
    <div role="row" aria-rowindex={index + 2} aria-label={`Folder ${path}`} aria-selected={ticked} className="file-row" style={{ top, height: FILE_ROW_HEIGHT }}>
      <span role="cell">
        <input type="checkbox" aria-label={`Select folder ${path}`} checked={ticked} onChange={(e) => setSelected([path], e.currentTarget.checked)} />
      </span>
      <span role="cell" className="file-name">
        <button type="button" className="link-button file-open" aria-label={`Open folder ${baseName(path)}`} onClick={() => open(path)}>
          <span aria-hidden="true" className="folder-mark">▸ </span>
          {baseName(path)}/
        </button>
      </span>
      <span role="cell" className="muted file-kind">Folder</span>
    </div>
  );
});

// Memoised: scrolling re-renders the window, and rows that stay in view need not repaint.
export const FileRow = memo(function FileRow({ file, index, top }: { file: FileListItem; index: number; top: number }) {
  const busy = useApp((s) => s.files.busy[file.name]);
  const heldHere = useApp((s) => s.files.heldLocks[file.name] !== undefined);
  const ticked = useApp((s) => s.files.selected[file.name] === true);
  const isOpen = useApp((s) => s.files.openFile === file.name);
  const downloadUrl = useApp((s) => s.downloadUrl);
  const deleteFile = useApp((s) => s.deleteFile);
  const setSelected = useApp((s) => s.setFilesSelected);
  const openDetails = useApp((s) => s.openFileDetails);
  const searching = useApp((s) => s.files.search !== '');
  const name = file.name;
  const shortName = baseName(name);
  // A search's hits come from every folder: each says where it lives.
  const folder = name.slice(0, name.length - shortName.length);

  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-label={name}
      aria-selected={ticked}
      className="file-row"
      data-open={isOpen}
      style={{ top, height: FILE_ROW_HEIGHT }}
    >
      <span role="cell">
        <input type="checkbox" aria-label={`Select ${name}`} checked={ticked} onChange={(e) => setSelected([name], e.currentTarget.checked)} />
      </span>
      <span role="cell" className="file-name" title={name}>
        <button type="button" className="link-button file-open" aria-label={`Details of ${name}`} onClick={() => openDetails(name)}>
          {shortName}
          {searching && <span className="muted file-folder"> in {folder === '' ? 'the top level' : folder}</span>}
        </button>
      </span>
      <span role="cell" className="num">{formatBytes(file.size)}</span>
      <span role="cell" className="num">{formatDateTime(file.modifiedAt)}</span>
      <span role="cell" className="num">v{file.version}</span>
      <span role="cell"><ReplicationStatus name={name} /></span>
      <span role="cell"><LockStatus lock={file.lock} heldHere={heldHere} /></span>
      <span role="cell" className="row-actions">
        <a className="btn btn-small" href={downloadUrl(name)} download={shortName} aria-label={`Download ${name}`}>
          Download
        </a>
        <ConfirmDeleteButton label={name} disabled={busy !== undefined} onConfirm={() => void deleteFile(name)} />
      </span>
    </div>
  );
});
