// What to do with the ticked files: download them all, delete them all (after a confirmation).
import { useApp } from '../../store/context';
import { baseName } from '../../store/files-derive';
import { ConfirmDeleteButton } from './ConfirmDeleteButton';

/** One download per file: a browser asks once whether this page may save several files. */
function downloadAll(urls: readonly { url: string; name: string }[]): void {
  for (const { url, name } of urls) {
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.click();
  }
}

export function SelectionBar() {
  const selected = useApp((s) => s.files.selected);
  const busy = useApp((s) => Object.keys(s.files.busy).length > 0);
  const setSelected = useApp((s) => s.setFilesSelected);
  const deleteSelected = useApp((s) => s.deleteSelectedFiles);
  const downloadUrl = useApp((s) => s.downloadUrl);
  const names = Object.keys(selected);
  if (names.length === 0) return null;
  const what = `${names.length} selected ${names.length === 1 ? 'file' : 'files'}`;
  return (
    <div className="row selection-bar" role="region" aria-label="Selection">
      <span className="num">{names.length} selected</span>
      <button type="button" className="btn btn-small" onClick={() => downloadAll(names.map((n) => ({ url: downloadUrl(n), name: baseName(n) })))}>
        Download
      </button>
      <ConfirmDeleteButton label={what} disabled={busy} onConfirm={() => void deleteSelected()} />
      <button type="button" className="btn btn-small" onClick={() => setSelected(names, false)}>
        Clear selection
      </button>
    </div>
  );
}
