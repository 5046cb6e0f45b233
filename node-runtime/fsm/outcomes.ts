// What the state machine holds and what applying a command answers.
//
// A rejection is a normal, deterministic outcome: every replica rejects the same entry the same
// way and changes nothing. Rejection codes are API error codes, so the API layer answers with
// `rejectionToApiError` and the matching HTTP status without a translation table.

import type { ChunkRef, ObjectMeta } from '../common/api-types';
import type { ClusterSettings } from '../common/config';
import type { ApiErrorBody } from '../common/errors';
import type { FileNameProblem } from '../common/file-name';
import { formatBytes, quotaText } from '../common/units';

export interface FileRecord {
  readonly name: string;
  /** Logical bytes; what the quota counts. */
  readonly size: number;
  readonly sha256: string;
  readonly chunks: readonly ChunkRef[];
  /** S3's ETag of the content (see md5TagSchema); only for files written through S3. */
  readonly md5?: string;
  readonly meta?: ObjectMeta;
  /**
   * Counts the writes of this name since it last did not exist: 1, 2, 3… Records from before
   * the counter (data format 1) hold the Raft index that wrote them and count on from there.
   */
  readonly version: number;
  /**
   * The Raft index of the write that made this content. Unique over the cluster's history, so a
   * compare-and-set on it is never fooled by a delete and re-create, which restarts `version` (the
   * ABA problem; etcd's mod_revision beside its per-key version). Records restored from snapshot
   * format 1 take their version, which then held the same index.
   */
  readonly revision: number;
  /** Log time (ms since the epoch) of the first write of this name since it last did not exist. */
  readonly createdAt: number;
  readonly modifiedAt: number;
}

export interface LockRecord {
  readonly name: string;
  readonly owner: string;
  readonly token: string;
  readonly acquiredAt: number;
  /** The lease is over once log time reaches this (expiresAt ≤ now means expired). */
  readonly expiresAt: number;
}

export type Rejection =
  | { readonly code: 'bad_request'; readonly detail: string }
  | { readonly code: 'name_invalid'; readonly name: string; readonly problem: FileNameProblem | 'not_normalized'; readonly detail: string }
  | { readonly code: 'not_found'; readonly name: string }
  | { readonly code: 'conflict'; readonly name: string; readonly expectedVersion: number; readonly actualVersion: number }
  | { readonly code: 'conflict'; readonly name: string; readonly expectedRevision: number; readonly actualRevision: number }
  /** `limit` is the whole quota, or with `setting` the maximum file size. */
  | { readonly code: 'file_too_large'; readonly name: string; readonly size: number; readonly limit: number; readonly setting?: 'maxFileBytes' }
  | { readonly code: 'quota_exceeded'; readonly name: string; readonly used: number; readonly limit: number; readonly requested: number }
  | { readonly code: 'locked'; readonly name: string; readonly owner: string; readonly expiresAt: number }
  | { readonly code: 'lock_token_invalid'; readonly name: string; readonly reason: 'no_active_lock' | 'token_mismatch' }
  | { readonly code: 'config_invalid'; readonly detail: string }
  | { readonly code: 'request_id_reused'; readonly requestId: string; readonly name: string };

export type RejectionCode = Rejection['code'];

export type Applied =
  /** An entry without a command: the leader's no-op after election, or a membership change. */
  | { readonly ok: true; readonly type: 'noop' }
  | { readonly ok: true; readonly type: 'put'; readonly file: FileRecord; readonly previous: FileRecord | null; readonly repeatOf?: number }
  /** `repeatOf`: the index of the entry that had the effect, when this one repeated its request id. */
  | { readonly ok: true; readonly type: 'delete'; readonly file: FileRecord; readonly repeatOf?: number }
  | { readonly ok: true; readonly type: 'lockAcquire' | 'lockRenew' | 'lockRelease'; readonly lock: LockRecord }
  | { readonly ok: true; readonly type: 'configSet'; readonly config: Readonly<ClusterSettings> }
  | { readonly ok: true; readonly type: 'tick'; readonly expiredLocks: readonly string[] };

export type Rejected = { readonly ok: false; readonly rejection: Rejection };

export type ApplyResult = Applied | Rejected;

function describe(r: Rejection): string {
  switch (r.code) {
    case 'bad_request':
    case 'config_invalid':
    case 'name_invalid':
      return r.detail;
    case 'not_found':
      return `file "${r.name}" does not exist`;
    case 'conflict':
      return 'expectedRevision' in r
        ? `file "${r.name}" is at revision ${r.actualRevision}, not ${r.expectedRevision}`
        : `file "${r.name}" is at version ${r.actualVersion}, not ${r.expectedVersion}`;
    case 'file_too_large':
      return r.setting === 'maxFileBytes'
        ? `file "${r.name}" is ${formatBytes(r.size)}, over the maximum file size of ${formatBytes(r.limit)} (setting maxFileBytes)`
        : `file "${r.name}" is ${formatBytes(r.size)}, more than the whole quota of ${formatBytes(r.limit)}`;
    case 'quota_exceeded':
      return quotaText(`storing "${r.name}" (${formatBytes(r.requested)})`, r.used, r.limit);
    case 'locked':
      return `"${r.name}" is locked by ${r.owner} until ${new Date(r.expiresAt).toISOString()}`;
    case 'lock_token_invalid':
      return r.reason === 'no_active_lock'
        ? `"${r.name}" has no active lock (it expired or was released)`
        : `the lock token does not match the lock held on "${r.name}"`;
    case 'request_id_reused':
      return `request id "${r.requestId}" already names another write (of "${r.name}"); use a new Idempotency-Key for a different write`;
  }
}

/** The API error body for a rejection; its HTTP status is `httpStatusOf(rejection.code)`. */
export function rejectionToApiError(rejection: Rejection): ApiErrorBody {
  return { error: rejection.code, detail: describe(rejection) };
}
