// The details drawer of one file: what it is (size, SHA-256, version, times), where its chunks
// live, who holds its lock, a preview, and what can be done with it (download, lock, delete, curl).
import { useEffect, useRef } from 'react';
import type { FileInfo, FileListItem } from '../../../../node-runtime/common/api-types';
import { formatBytes, formatCount, formatDateTime } from '../../format/units';
import { useApp } from '../../store/context';
import { baseName } from '../../store/files-derive';
import { ChunkList } from './ChunkList';
import { ConfirmDeleteButton } from './ConfirmDeleteButton';
import { CopyButton } from './CopyButton';
import { FilePreview } from './FilePreview';
import { ReplicaMap } from './ReplicaMap';
import { Explained } from '../../shell/Explained';

/** A shell-quoted word: the name may hold spaces or quotes. */
const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** What a curl line must bring to the cluster's nodes beside the URL (an attach profile says). */
interface NodeAccessNeeds {
  readonly token: boolean;
  readonly ca: boolean;
}

/**
 * A command that works as pasted: the token comes from $DFS_API_TOKEN (never shown on screen), and
 * an HTTPS cluster with its own CA needs that CA's certificate, saved here as ca.pem.
 */
function curlLine(nodeUrl: string | undefined, name: string, needs: NodeAccessNeeds): string {
  const url = `${nodeUrl ?? 'http://127.0.0.1:8081'}/download?name=${encodeURIComponent(name)}`;
  const auth = needs.token ? ' -H "Authorization: Bearer $DFS_API_TOKEN"' : '';
  const ca = needs.ca && url.startsWith('https:') ? ' --cacert ca.pem' : '';
  return `curl -fo ${quote(baseName(name))}${auth}${ca} ${quote(url)}`;
}

function curlNote(needs: NodeAccessNeeds): string | null {
  if (needs.token && needs.ca) return 'Set DFS_API_TOKEN to the cluster\'s client token, and save the CA certificate this profile was attached with as ca.pem.';
  if (needs.token) return 'Set DFS_API_TOKEN to the cluster\'s client token first.';
  if (needs.ca) return 'Save the CA certificate this profile was attached with as ca.pem first.';
  return null;
}

function useNodeAccessNeeds(): NodeAccessNeeds {
  const token = useApp((s) => s.profiles.list?.profiles.find((p) => p.name === s.profiles.list?.active)?.hasToken === true);
  const ca = useApp((s) => s.profiles.list?.profiles.find((p) => p.name === s.profiles.list?.active)?.hasCa === true);
  return { token, ca };
}

function LockActions({ file }: { file: FileListItem }) {
  const busy = useApp((s) => s.files.busy[file.name] !== undefined);
  const heldHere = useApp((s) => s.files.heldLocks[file.name] !== undefined);
  const lockFile = useApp((s) => s.lockFile);
  const unlockFile = useApp((s) => s.unlockFile);
  if (file.lock === undefined) {
    return (
      <button type="button" className="btn btn-small" aria-label={`Lock ${file.name}`} disabled={busy} onClick={() => void lockFile(file.name)}>
        Lock
      </button>
    );
  }
  return (
    <button
      type="button"
      className="btn btn-small"
      aria-label={`Unlock ${file.name}`}
      disabled={busy || !heldHere}
      title={heldHere ? undefined : 'Held by another client; it is released when they unlock or the lease expires.'}
      onClick={() => void unlockFile(file.name)}
    >
      Unlock
    </button>
  );
}

function Facts({ file, info }: { file: FileListItem; info: FileInfo | undefined }) {
  const heldHere = useApp((s) => s.files.heldLocks[file.name] !== undefined);
  const lock = file.lock;
  return (
    <dl className="facts">
      <dt>Size</dt>
      <dd>
        {formatBytes(file.size)} <span className="muted">({formatCount(file.size)} bytes)</span>
      </dd>
      <dt>Version</dt>
      <dd>
        <span className="num">v{file.version}</span>{' '}
        <span className="muted">
          (<Explained term="revision">revision {file.revision}</Explained>)
        </span>
      </dd>
      <dt>SHA-256</dt>
      <dd className="sha-line">
        <code className="mono hash-full" aria-label="SHA-256">{file.sha256}</code>
        <CopyButton text={file.sha256} label="Copy the SHA-256" />
      </dd>
      <dt>Created</dt>
      <dd>{formatDateTime(file.createdAt)}</dd>
      <dt>Modified</dt>
      <dd>{formatDateTime(file.modifiedAt)}</dd>
      <dt>Lock</dt>
      <dd>{lock === undefined ? 'Not locked' : `${heldHere ? 'Held by you' : `Held by ${lock.owner}`} until ${formatDateTime(lock.expiresAt)}`}</dd>
      <dt>Chunks</dt>
      <dd>{info === undefined ? '…' : formatCount(info.chunks.length)}</dd>
    </dl>
  );
}

export function FileDetails({ name }: { name: string }) {
  const item = useApp((s) => s.files.items.find((i) => i.name === name));
  const info = useApp((s) => s.files.details[name]);
  const nodeUrl = useApp((s) => s.snapshot?.nodes.find((n) => n.id === s.snapshot?.leaderId)?.httpUrl ?? s.snapshot?.nodes[0]?.httpUrl);
  const close = useApp((s) => s.openFileDetails);
  const deleteFile = useApp((s) => s.deleteFile);
  const downloadUrl = useApp((s) => s.downloadUrl);
  const busy = useApp((s) => s.files.busy[name] !== undefined);
  const closeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => closeButton.current?.focus(), [name]);
  // Before the listing has it (opened from elsewhere), the details stand in for the row.
  const file: FileListItem | undefined = item ?? info;
  const needs = useNodeAccessNeeds();
  const curl = curlLine(nodeUrl, name, needs);
  const note = curlNote(needs);

  return (
    <aside className="drawer" role="dialog" aria-label={`Details of ${name}`} onKeyDown={(e) => e.key === 'Escape' && close(null)}>
      <div className="drawer-head">
        <h2 title={name}>{baseName(name)}</h2>
        <button ref={closeButton} type="button" className="btn btn-small" aria-label="Close details" onClick={() => close(null)}>
          Close
        </button>
      </div>
      <p className="muted drawer-path">{name}</p>
      {file === undefined ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <div className="row">
            <a className="btn btn-small btn-primary" href={downloadUrl(name)} download={baseName(name)}>
              Download
            </a>
            <LockActions file={file} />
            <ConfirmDeleteButton label={name} disabled={busy} onConfirm={() => void deleteFile(name)} />
          </div>
          <Facts file={file} info={info} />
          <h3>Replicas</h3>
          {info === undefined ? <p className="muted">Loading…</p> : <ReplicaMap info={info} />}
          <h3>Download with curl</h3>
          <div className="sha-line">
            <code className="mono curl-line">{curl}</code>
            <CopyButton text={curl} label="Copy the curl command" />
          </div>
          {note === null ? null : <p className="muted">{note}</p>}
          <h3>Preview</h3>
          <FilePreview name={name} size={file.size} />
          <details>
            <summary>Chunks{info === undefined ? '' : ` (${formatCount(info.chunks.length)})`}</summary>
            {info === undefined ? <p className="muted">Loading…</p> : <ChunkList chunks={info.chunks} />}
          </details>
        </>
      )}
    </aside>
  );
}
