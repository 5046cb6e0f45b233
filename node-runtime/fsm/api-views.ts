// The state machine's records as the API shows them (common/api-types.ts): times as ISO 8601,
// lock tokens only in the grant that hands them to their holder.

import type { FileInfo, FileList, FileListItem, LockGrant, LockInfo } from '../common/api-types';
import type { ListPage } from './file-catalog';
import type { FileRecord, LockRecord } from './outcomes';

/** The latest year `YYYY-MM-DDTHH:MM:SS.sssZ` covers; later (and negative) years take toISOString's longer form. */
const LAST_FOUR_DIGIT_YEAR_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * `new Date(ms).toISOString()`, with the text up to the second kept from the call before: a page
 * of 1,000 files formats 2,000 times, written in bursts that share their seconds, and the Date
 * round trip was 28 % of a listing's main-thread time at 100,000 files (issue #11's listing p99).
 */
export function iso(ms: number): string {
  if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR_MS)) return new Date(ms).toISOString();
  const whole = Math.floor(ms);
  const second = Math.floor(whole / 1000);
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    cachedSecond = second;
  }
  const milli = whole - second * 1000;
  return `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
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
