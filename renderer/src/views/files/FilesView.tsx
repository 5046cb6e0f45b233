// The file browser: the open folder with its trail, a name search in every folder, the
// virtualised listing, the selection's actions, the details drawer, upload pickers.
import { useMemo } from 'react';
import { formatCount } from '../../format/units';
import { useApp } from '../../store/context';
import { fileEntries } from '../../store/files-derive';
import { FileDetails } from './FileDetails';
import { FilePickers } from './FilePickers';
import { FileTable } from './FileTable';
import { PrefixBreadcrumb } from './PrefixBreadcrumb';
import { SelectionBar } from './SelectionBar';
import { WatchedFolders } from './WatchedFolders';

/** How many files (and folders) are listed; for a search, how many were found. */
function ListedCount() {
  const { items, folders, nextCursor, search } = useApp((s) => s.files);
  const more = nextCursor === null ? '' : '+';
  const files = `${formatCount(items.length)}${more} ${items.length === 1 ? 'file' : 'files'}`;
  if (search !== '') return <>{`${files} found in all folders`}</>;
  return <>{`${files}${folders.length > 0 ? `, ${formatCount(folders.length)}${more} ${folders.length === 1 ? 'folder' : 'folders'}` : ''}`}</>;
}

export function FilesView() {
  const files = useApp((s) => s.files);
  const setFilter = useApp((s) => s.setFileFilter);
  const reload = useApp((s) => s.loadFiles);
  const dismissFailure = useApp((s) => s.dismissFileFailure);
  const { items, folders, sort, filter } = files;
  // Only the replica sort orders by details: other sorts need not re-sort as details arrive.
  const details = sort.key === 'replicas' ? files.details : undefined;
  const listedCopies = sort.key === 'replicas' ? files.listedCopies : undefined;
  const entries = useMemo(() => fileEntries({ items, folders, sort, filter, details, listedCopies }), [items, folders, sort, filter, details, listedCopies]);
  const count = files.items.length;

  return (
    <div className="stack fill">
      <div className="row">
        <PrefixBreadcrumb />
        <span className="spacer" />
        <label htmlFor="file-filter" className="visually-hidden">
          Search all folders by file name
        </label>
        <input
          id="file-filter"
          className="input"
          type="search"
          placeholder="Search by name"
          value={files.filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
        />
        <span className="num muted" role="status" aria-live="polite">
          {files.status === 'loading' && count === 0 ? (files.filter.trim() === '' ? 'Loading…' : 'Searching…') : <ListedCount />}
        </span>
        <button type="button" className="btn" onClick={() => void reload()}>
          Refresh
        </button>
        <FilePickers />
      </div>
      <SelectionBar />
      <WatchedFolders />
      {files.stale && (
        <div className="banner banner-info" role="status">
          <p>Files changed on the cluster since this list was loaded.</p>
          <button type="button" className="btn" onClick={() => void reload()}>
            Reload list
          </button>
        </div>
      )}
      {files.status === 'error' && (
        <div className="banner banner-bad" role="alert">
          <p>Could not list files. {files.error}</p>
          <button type="button" className="btn" onClick={() => void reload()}>
            Try again
          </button>
        </div>
      )}
      {files.actionFailure !== null && (
        <div className="banner banner-bad" role="alert">
          <p>
            Could not {files.actionFailure.what}. {files.actionFailure.message}
          </p>
          <button type="button" className="btn" onClick={dismissFailure}>
            Dismiss
          </button>
        </div>
      )}
      {files.loadedOnce && entries.length === 0 && files.status !== 'error' ? (
        <div className="empty card">
          {files.filter.trim() !== '' ? (
            <p>No file name in any folder contains “{files.filter.trim()}”.</p>
          ) : files.prefix === '' ? (
            <>
              <p>No files yet.</p>
              <p>Drop files or whole folders anywhere on this window, or use “Choose files…”.</p>
            </>
          ) : (
            <p>The folder “{files.prefix}” is empty.</p>
          )}
        </div>
      ) : (
        <FileTable entries={entries} />
      )}
      {files.openFile !== null && <FileDetails name={files.openFile} />}
    </div>
  );
}
