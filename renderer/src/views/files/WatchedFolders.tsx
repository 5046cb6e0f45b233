// Folders on this machine kept in sync with the cluster: their state, counts, last problem.
import { useState, type FormEvent } from 'react';
import type { WatchedFolder } from '../../../../node-runtime/common/manager-api';
import { formatClock, formatCount } from '../../format/units';
import { describeFailure } from '../../format/error-text';
import { useApp } from '../../store/context';

const STATE: Readonly<Record<WatchedFolder['state'], { text: string; tone: string }>> = {
  scanning: { text: 'Scanning', tone: 'pill-warn' },
  syncing: { text: 'Syncing', tone: 'pill-warn' },
  synced: { text: 'Synced', tone: 'pill-ok' },
  error: { text: 'Problem', tone: 'pill-bad' },
  paused: { text: 'Paused', tone: 'pill-warn' },
};

function FolderRow({ folder }: { folder: WatchedFolder }) {
  const stop = useApp((s) => s.stopWatching);
  const reveal = useApp((s) => s.revealWatchedFolder);
  const canReveal = useApp((s) => s.canRevealFolders);
  const busy = useApp((s) => s.watched.busy);
  const state = STATE[folder.state];
  return (
    <li aria-label={folder.path} className="stack" style={{ gap: 4, padding: '6px 0', borderBottom: '1px solid var(--surface-2)' }}>
      <div className="row">
        <span className="mono">{folder.path}</span>
        <span className="muted">→ {folder.remotePrefix === '' ? '(top level)' : folder.remotePrefix}</span>
        <span className={`pill ${state.tone}`}>{state.text}</span>
        <span className="num muted">
          {formatCount(folder.syncedFiles)} synced · {formatCount(folder.pendingFiles)} pending · {formatCount(folder.failedFiles)} failed
          {folder.lastSyncedAt === null ? '' : ` · last at ${formatClock(folder.lastSyncedAt)}`}
        </span>
        <span className="spacer" />
        {canReveal && (
          <button type="button" className="btn btn-small" onClick={() => reveal(folder.id)}>
            Show in folder
          </button>
        )}
        <button type="button" className="btn btn-small" aria-label={`Stop watching ${folder.path}`} disabled={busy} onClick={() => void stop(folder.id)}>
          Stop watching
        </button>
      </div>
      {folder.uploading.length > 0 && <span className="muted">Uploading {folder.uploading.join(', ')}</span>}
      {folder.lastProblem !== null && (
        <span className="error-text">
          {folder.lastProblem.file === null ? '' : `${folder.lastProblem.file}: `}
          {describeFailure(folder.lastProblem.error, folder.lastProblem.detail)}
        </span>
      )}
    </li>
  );
}

function WatchPathForm() {
  const watch = useApp((s) => s.watchFolderPath);
  const busy = useApp((s) => s.watched.busy);
  const [path, setPath] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (path.trim() !== '' && (await watch(path.trim()))) setPath('');
  };
  return (
    <form className="row" onSubmit={(e) => void submit(e)}>
      <label htmlFor="watch-path">Folder on the manager’s machine</label>
      <input id="watch-path" className="input mono" placeholder="/home/me/Photos" value={path} onChange={(e) => setPath(e.currentTarget.value)} />
      <button type="submit" className="btn" disabled={busy || path.trim() === ''}>
        Watch
      </button>
    </form>
  );
}

export function WatchedFolders() {
  const watched = useApp((s) => s.watched);
  const canPick = useApp((s) => s.canPickFolders);
  const choose = useApp((s) => s.chooseFolderToWatch);
  const folders = watched.folders ?? [];
  if (watched.folders === null && !canPick) return null;
  const active = folders.filter((f) => f.state !== 'synced').length;
  return (
    <details className="card">
      <summary>
        Watched folders{' '}
        <span className="muted num">
          ({folders.length === 0 ? 'none' : `${folders.length}${active > 0 ? ` · ${active} syncing` : ' · all synced'}`})
        </span>
      </summary>
      <div className="stack" style={{ marginTop: 8 }}>
        <p className="muted" style={{ margin: 0 }}>
          New and changed files in a watched folder are uploaded to the cluster automatically; files already uploaded stay when you stop watching.
        </p>
        {watched.error !== null && (
          <p role="alert" className="error-text">
            {watched.error}
          </p>
        )}
        {folders.length > 0 && (
          <ul aria-label="Watched folders" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {folders.map((f) => (
              <FolderRow key={f.id} folder={f} />
            ))}
          </ul>
        )}
        {canPick ? (
          <div className="row">
            <button type="button" className="btn" disabled={watched.busy} onClick={() => void choose()}>
              Watch a folder…
            </button>
          </div>
        ) : (
          <WatchPathForm />
        )}
      </div>
    </details>
  );
}
