// The state machine's records as the API shows them (common/api-types.ts): times as ISO 8601,
// lock tokens only in the grant that hands them to their holder.

import type { FileInfo, FileList, FileListItem, LockGrant, LockInfo } from '../common/api-types';
import type { ListPage } from './file-catalog';
import type { FileRecord, LockRecord } from './outcomes';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function toLockInfo(lock: LockRecord): LockInfo {
  return { name: lock.name, owner: lock.owner, acquiredAt: iso(lock.acquiredAt), expiresAt: iso(lock.expiresAt) };
}

export function toLockGrant(lock: LockRecord): LockGrant {
  return { ...toLockInfo(lock), token: lock.token };
}

export function toFileListItem(file: FileRecord, lock?: LockRecord): FileListItem {
  const item: FileListItem = {
    name: file.name,
    size: file.size,
    sha256: file.sha256,
    ...(file.md5 !== undefined && { md5: file.md5 }),
    version: file.version,
    revision: file.revision,
    createdAt: iso(file.createdAt),
    modifiedAt: iso(file.modifiedAt),
  };
  if (lock) item.lock = toLockInfo(lock);
  return item;
}

/** `completeOn`: the nodes known to hold every chunk, when the caller knows. */
export function toFileInfo(file: FileRecord, lock?: LockRecord, completeOn?: readonly number[]): FileInfo {
  const info: FileInfo = { ...toFileListItem(file, lock), chunks: file.chunks.map((c) => ({ hash: c.hash, size: c.size })) };
  if (file.meta) info.meta = file.meta;
  if (completeOn) info.completeOn = [...completeOn];
  return info;
}

/** A listing page for the API; `lockOf` attaches each file's live lock (e.g. StateMachine.lockOf). */
export function toFileList(page: ListPage, lockOf: (name: string) => LockRecord | undefined): FileList {
  const list: FileList = { items: page.items.map((f) => toFileListItem(f, lockOf(f.name))), nextCursor: page.nextCursor };
  if (page.folders.length > 0) list.folders = [...page.folders];
  return list;
}
