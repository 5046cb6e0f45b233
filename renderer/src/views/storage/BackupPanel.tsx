// The cluster's last backup and "Back up now": a verified archive of every file, saved into a
// folder on the manager's machine (picked natively in the app, typed in a browser).
import { useState, type FormEvent } from 'react';
import type { ManagedNode } from '../../../../node-runtime/common/manager-api';
import { formatBytes, formatCount, formatDateTime } from '../../format/units';
import { Explained } from '../../shell/Explained';
import { NO_NODES } from '../../store/cluster-derive';
import { useApp } from '../../store/context';

/** The newest backup any node reports sending, with that node. */
function lastBackup(nodes: readonly ManagedNode[]): { at: string; node: number } | null {
  let newest: { at: string; node: number } | null = null;
  for (const node of nodes) {
    const at = node.report?.stats?.lastBackup ?? null;
    if (at !== null && (newest === null || Date.parse(at) > Date.parse(newest.at))) newest = { at, node: node.id };
  }
  return newest;
}

function BackupOutcome() {
  const { busy, saved, error } = useApp((s) => s.backup);
  if (busy) return <p className="muted" role="status">Backing up: every file is streamed from the cluster and its SHA-256 checked before the archive is kept…</p>;
  if (error !== null) return <p role="alert" className="error-text">{error}</p>;
  if (saved === null) return null;
  return (
    <p role="status">
      Saved <span className="mono">{saved.path}</span> ({formatCount(saved.files)} files, {formatBytes(saved.bytes)}, from node {saved.node}).
    </p>
  );
}

export function BackupPanel() {
  const nodes = useApp((s) => s.snapshot?.nodes ?? NO_NODES);
  const busy = useApp((s) => s.backup.busy);
  const canPick = useApp((s) => s.canPickBackupFolder);
  const choose = useApp((s) => s.chooseBackupFolder);
  const backUpNow = useApp((s) => s.backUpNow);
  const [folder, setFolder] = useState('');
  const last = lastBackup(nodes);
  const pick = async () => {
    const chosen = await choose();
    if (chosen !== null) setFolder(chosen);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (folder.trim() !== '') void backUpNow(folder.trim());
  };
  return (
    <section className="card stack" aria-label="Backup" aria-busy={busy}>
      <h2>Backup</h2>
      <p style={{ margin: 0 }}>
        <Explained term="lastBackup">Last backup</Explained>: {last === null ? 'none yet' : `${formatDateTime(last.at)} (node ${last.node})`}
      </p>
      <p className="muted" style={{ margin: 0 }}>
        A backup is one file holding every file, lock and setting of the cluster at one moment. Keep it on another disk; <span className="mono">dfs-node restore</span> starts a new cluster from it.
      </p>
      <form className="row" onSubmit={submit}>
        <label htmlFor="backup-folder">Save into folder</label>
        <input
          id="backup-folder"
          className="input mono"
          placeholder={canPick ? 'Choose a folder…' : '/home/me/Backups (on the manager’s machine)'}
          value={folder}
          readOnly={canPick}
          onChange={(e) => setFolder(e.currentTarget.value)}
        />
        {canPick && (
          <button type="button" className="btn" disabled={busy} onClick={() => void pick()}>
            Choose folder…
          </button>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy || folder.trim() === ''}>
          {busy ? 'Backing up…' : 'Back up now'}
        </button>
      </form>
      <BackupOutcome />
    </section>
  );
}
