// What to do with the ticked files and folders: download them (one file as itself, anything more
// as one zip the manager streams), delete them all (after a confirmation).
import { useApp } from '../../store/context';
import { describeSelection, isFolderPath } from '../../store/file-selection';
import { baseName } from '../../store/files-derive';
import { ConfirmDeleteButton } from './ConfirmDeleteButton';

/** Starts a download the way a link with `download` does: the browser's, or the app's own in Electron. */
function startDownload(url: string, name: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
}

export function SelectionBar() {
  const selected = useApp((s) => s.files.selected);
  const busy = useApp((s) => Object.keys(s.files.busy).length > 0);
  const preparing = useApp((s) => s.files.archive !== null && s.files.archive.id === null);
  const setSelected = useApp((s) => s.setFilesSelected);
  const deleteSelected = useApp((s) => s.deleteSelectedFiles);
  const prepareZip = useApp((s) => s.prepareSelectionZip);
  const downloadUrl = useApp((s) => s.downloadUrl);
  const names = Object.keys(selected);
  if (names.length === 0) return null;
  const single = names.length === 1 && !isFolderPath(names[0] as string) ? (names[0] as string) : null;
  const hasFolders = names.some(isFolderPath);
  const what = hasFolders ? `${describeSelection(names)} (every file in the folders too)` : `${names.length} selected ${names.length === 1 ? 'file' : 'files'}`;
  const download = async (): Promise<void> => {
    if (single !== null) {
      startDownload(downloadUrl(single), baseName(single));
      return;
    }
    const url = await prepareZip();
    // The manager names the file (Content-Disposition); `download` only marks the link as one.
    if (url !== null) startDownload(url, '');
  };
  return (
    <div className="row selection-bar" role="region" aria-label="Selection">
      <span className="num">{describeSelection(names)} selected</span>
      <button type="button" className="btn btn-small" disabled={preparing} onClick={() => void download()}>
        {single !== null ? 'Download' : 'Download as zip'}
      </button>
      {preparing && (
        <span className="muted" role="status">
          Preparing the zip…
        </span>
      )}
      <ConfirmDeleteButton label={what} disabled={busy} onConfirm={() => void deleteSelected()} />
      <button type="button" className="btn btn-small" onClick={() => setSelected(names, false)}>
        Clear selection
      </button>
    </div>
  );
}
