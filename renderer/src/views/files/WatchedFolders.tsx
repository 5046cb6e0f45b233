// Folders on this machine kept in sync with the cluster: their state, counts from the last full
// scan, why files failed or were skipped, what a local delete does (chosen when adding), and
// which names are never uploaded.
import { useState, type FormEvent } from 'react';
import type { WatchedDeletePolicy, WatchedFolder } from '../../../../node-runtime/common/manager-api';
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

const POLICIES: readonly { value: WatchedDeletePolicy; text: string }[] = [
  { value: 'upload-only', text: 'Deleting here keeps the cluster’s copy' },
  { value: 'mirror', text: 'Deleting here deletes it from the cluster' },
];

function DeletePolicySelect({ label, value, disabled, onChange }: { label: string; value: WatchedDeletePolicy; disabled: boolean; onChange: (policy: WatchedDeletePolicy) => void }) {
  return (
    <select aria-label={label} className="input" value={value} disabled={disabled} onChange={(e) => onChange(e.currentTarget.value as WatchedDeletePolicy)}>
      {POLICIES.map((p) => (
        <option key={p.value} value={p.value}>
          {p.text}
        </option>
      ))}
    </select>
  );
}

/** How often a full scan checks the folder against the cluster (events make most changes arrive sooner). */
const RESCAN_INTERVALS: readonly { sec: number; text: string }[] = [
  { sec: 60, text: 'Full scan every minute' },
  { sec: 600, text: 'Full scan every 10 minutes' },
  { sec: 3600, text: 'Full scan every hour' },
  { sec: 6 * 3600, text: 'Full scan every 6 hours' },
  { sec: 24 * 3600, text: 'Full scan every day' },
];

function RescanIntervalSelect({ folder, disabled, onChange }: { folder: WatchedFolder; disabled: boolean; onChange: (sec: number) => void }) {
  const known = RESCAN_INTERVALS.some((i) => i.sec === folder.rescanIntervalSec);
  return (
    <select aria-label={`Full scans of ${folder.path}`} className="input" value={folder.rescanIntervalSec} disabled={disabled} onChange={(e) => onChange(Number(e.currentTarget.value))}>
      {!known && <option value={folder.rescanIntervalSec}>Full scan every {formatCount(folder.rescanIntervalSec)} s</option>}
      {RESCAN_INTERVALS.map((i) => (
        <option key={i.sec} value={i.sec}>
          {i.text}
        </option>
      ))}
    </select>
  );
}

/** Each failed file with its reason, and why files were skipped. */
function FileProblems({ folder }: { folder: WatchedFolder }) {
  if (folder.failures.length === 0 && folder.skipped.length === 0) return null;
  return (
    <details>
      <summary className="muted">
        {folder.failedFiles > 0 ? `${formatCount(folder.failedFiles)} failed` : ''}
        {folder.failedFiles > 0 && folder.skippedFiles > 0 ? ' · ' : ''}
        {folder.skippedFiles > 0 ? `${formatCount(folder.skippedFiles)} skipped` : ''}
      </summary>
      <ul aria-label={`Problems in ${folder.path}`} style={{ margin: '4px 0', paddingLeft: 18 }}>
        {folder.failures.map((f) => (
          <li key={`failed:${f.file ?? ''}`} className="error-text">
            {f.file}: {describeFailure(f.error, f.detail)}
          </li>
        ))}
        {folder.skipped.map((s) => (
          <li key={`skipped:${s.path}`} className="muted">
            {s.path}: skipped, {s.reason}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** The folder's ignore patterns, one per line, saved together. */
function IgnorePatterns({ folder }: { folder: WatchedFolder }) {
  const update = useApp((s) => s.updateWatchedFolder);
  const busy = useApp((s) => s.watched.busy);
  const [text, setText] = useState(folder.ignorePatterns.join('\n'));
  const patterns = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const unchanged = patterns.join('\n') === folder.ignorePatterns.join('\n');
  return (
    <details>
      <summary className="muted">Ignored names ({formatCount(folder.ignorePatterns.length)} patterns)</summary>
      <div className="stack" style={{ gap: 4, marginTop: 4 }}>
        <textarea
          aria-label={`Ignore patterns for ${folder.path}`}
          className="input mono"
          rows={Math.min(12, Math.max(3, patterns.length + 1))}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
        />
        <span className="muted">One per line: * and ? match within a name, a trailing / matches folders only, a / inside anchors at the folder’s top.</span>
        <div className="row">
          <button type="button" className="btn btn-small" disabled={busy || unchanged} onClick={() => void update(folder.id, { ignorePatterns: patterns })}>
            Save patterns
          </button>
        </div>
      </div>
    </details>
  );
}

/**
 * While its uploads wait through an election: files whose try found no leader, or, while the
 * cluster has none, any file still to go (uploads in flight wait at the node). Null otherwise.
 */
function filesWaitingForLeader(folder: WatchedFolder, noLeader: boolean): number | null {
  if (folder.state !== 'syncing') return null;
  if (folder.waitingForLeader > 0) return folder.waitingForLeader;
  return noLeader && folder.pendingFiles > 0 ? folder.pendingFiles : null;
}

function FolderRow({ folder }: { folder: WatchedFolder }) {
  const update = useApp((s) => s.updateWatchedFolder);
  const rescan = useApp((s) => s.rescanWatchedFolder);
  const resume = useApp((s) => s.resumeWatchedFolder);
  const stop = useApp((s) => s.stopWatching);
  const reveal = useApp((s) => s.revealWatchedFolder);
  const canReveal = useApp((s) => s.canRevealFolders);
  const busy = useApp((s) => s.watched.busy);
  const noLeader = useApp((s) => s.snapshot !== null && s.snapshot.leaderId === null);
  const waiting = filesWaitingForLeader(folder, noLeader);
  const state = waiting === null ? STATE[folder.state] : { text: 'Waiting for a leader', tone: 'pill-warn' };
  const onOtherDrive = folder.state === 'paused' && folder.lastProblem?.error === 'folder_on_other_drive';
  return (
    <li aria-label={folder.path} className="stack" style={{ gap: 4, padding: '6px 0', borderBottom: '1px solid var(--surface-2)' }}>
      <div className="row">
        <span className="mono">{folder.path}</span>
        <span className="muted">→ {folder.remotePrefix === '' ? '(top level)' : folder.remotePrefix}</span>
        <span className={`pill ${state.tone}`}>{state.text}</span>
        <span className="num muted">
          {formatCount(folder.syncedFiles)} synced · {formatCount(folder.pendingFiles)} pending · {formatCount(folder.failedFiles)} failed ·{' '}
          {formatCount(folder.skippedFiles)} skipped
          {folder.lastSyncedAt === null ? '' : ` · last at ${formatClock(folder.lastSyncedAt)}`}
          {folder.lastScan === null ? '' : ` · scanned at ${formatClock(folder.lastScan.finishedAt)}`}
        </span>
        <span className="spacer" />
        <DeletePolicySelect label={`Deletes in ${folder.path}`} value={folder.deletePolicy} disabled={busy} onChange={(policy) => void update(folder.id, { deletePolicy: policy })} />
        <RescanIntervalSelect folder={folder} disabled={busy} onChange={(sec) => void update(folder.id, { rescanIntervalSec: sec })} />
        <button type="button" className="btn btn-small" disabled={busy || folder.scanning} onClick={() => void rescan(folder.id)}>
          {folder.scanning ? 'Scanning…' : 'Rescan'}
        </button>
        {onOtherDrive && (
          <button
            type="button"
            className="btn btn-small"
            disabled={busy}
            title={folder.deletePolicy === 'mirror' ? 'Files the folder no longer holds will be deleted from the cluster' : 'Files the folder holds now are uploaded'}
            onClick={() => void resume(folder.id)}
          >
            Keep the folder as it is now
          </button>
        )}
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
      {waiting !== null && (
        <span className="muted" role="status">
          Waiting for a leader: {formatCount(waiting)} {waiting === 1 ? 'file goes' : 'files go'} to the cluster by themselves once one is elected.
        </span>
      )}
      <FileProblems folder={folder} />
      <IgnorePatterns folder={folder} />
      {folder.lastProblem !== null && (
        <span className="error-text">
          {folder.lastProblem.file === null ? '' : `${folder.lastProblem.file}: `}
          {describeFailure(folder.lastProblem.error, folder.lastProblem.detail)}
        </span>
      )}
      {onOtherDrive && folder.deletePolicy === 'mirror' && (
        <span className="muted">Deletes are mirrored here: keeping the folder as it is now deletes from the cluster every file it no longer holds.</span>
      )}
    </li>
  );
}

function WatchPathForm() {
  const watch = useApp((s) => s.watchFolderPath);
  const busy = useApp((s) => s.watched.busy);
  const [path, setPath] = useState('');
  const [policy, setPolicy] = useState<WatchedDeletePolicy>('upload-only');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (path.trim() !== '' && (await watch(path.trim(), policy))) setPath('');
  };
  return (
    <form className="row" onSubmit={(e) => void submit(e)}>
      <label htmlFor="watch-path">Folder on the manager’s machine</label>
      <input id="watch-path" className="input mono" placeholder="/home/me/Photos" value={path} onChange={(e) => setPath(e.currentTarget.value)} />
      <DeletePolicySelect label="Deletes in the new folder" value={policy} disabled={busy} onChange={setPolicy} />
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
  const [policy, setPolicy] = useState<WatchedDeletePolicy>('upload-only');
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
            <DeletePolicySelect label="Deletes in the new folder" value={policy} disabled={watched.busy} onChange={setPolicy} />
            <button type="button" className="btn" disabled={watched.busy} onClick={() => void choose(policy)}>
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
