// The object browser: search by prefix, the virtualised listing, upload pickers.
import { formatCount } from '../../format/units';
import { useApp } from '../../store/context';
import { FilePickers } from './FilePickers';
import { FileTable } from './FileTable';
import { PrefixBreadcrumb } from './PrefixBreadcrumb';
import { WatchedFolders } from './WatchedFolders';

export function FilesView() {
  const files = useApp((s) => s.files);
  const setPrefix = useApp((s) => s.setFilePrefix);
  const reload = useApp((s) => s.loadFiles);
  const dismissFailure = useApp((s) => s.dismissFileFailure);
  const count = files.items.length;

  return (
    <div className="stack fill">
      <div className="row">
        <label htmlFor="file-prefix">Search by prefix</label>
        <input
          id="file-prefix"
          className="input"
          type="search"
          placeholder="e.g. photos/2024/"
          value={files.prefix}
          onChange={(e) => setPrefix(e.currentTarget.value)}
        />
        <span className="num muted" role="status" aria-live="polite">
          {files.status === 'loading' && count === 0 ? 'Loading…' : `${formatCount(count)}${files.nextCursor === null ? '' : '+'} ${count === 1 ? 'file' : 'files'}`}
        </span>
        <span className="spacer" />
        <button type="button" className="btn" onClick={() => void reload()}>
          Refresh
        </button>
        <FilePickers />
      </div>
      <WatchedFolders />
      <PrefixBreadcrumb />
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
      {files.loadedOnce && count === 0 && files.status !== 'error' ? (
        <div className="empty card">
          {files.prefix === '' ? (
            <>
              <p>No files yet.</p>
              <p>Drop files or whole folders anywhere on this window, or use “Choose files…”.</p>
            </>
          ) : (
            <p>No file name starts with “{files.prefix}”.</p>
          )}
        </div>
      ) : (
        <FileTable items={files.items} />
      )}
    </div>
  );
}
