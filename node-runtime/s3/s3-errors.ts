// S3's error codes with their HTTP status, and the translation of the node's own errors (quota,
// locks, disk reserve, leadership) to the closest S3 code. Clients branch on these codes: the AWS
// CLI retries SlowDown and ServiceUnavailable, rclone treats NoSuchKey as "not there".
import { ApiError, type ErrorCode } from '../common/errors';
import { NotLeaderError, ProposalDroppedError, ProposalTimeoutError } from '../node/raft-driver';
import { xmlDocument } from './xml';

export const S3_ERROR_STATUS = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  MalformedXML: 400,
  MetadataTooLarge: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NotImplemented: 501,
  PreconditionFailed: 412,
  QuotaExceeded: 403,
  RequestTimeout: 400,
  RequestTimeTooSkewed: 403,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  SlowDown: 503,
  XAmzContentSHA256Mismatch: 400,
  // Not S3's: a lock held through the node API blocks the write (HTTP 423 Locked).
  Locked: 423,
} as const satisfies Record<string, number>;

export type S3ErrorCode = keyof typeof S3_ERROR_STATUS;

export class S3Error extends Error {
  constructor(
    readonly code: S3ErrorCode,
    message: string,
    /** Extra elements of the error document (e.g. BucketName, Key). */
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }

  get status(): number {
    return S3_ERROR_STATUS[this.code];
  }

  toXml(resource: string, requestId: string): string {
    return xmlDocument('Error', { Code: this.code, Message: this.message, ...this.extra, Resource: resource, RequestId: requestId });
  }
}

/** The S3 code for each node API error code a service may throw. */
const FROM_API: Record<ErrorCode, S3ErrorCode> = {
  bad_request: 'InvalidRequest',
  name_invalid: 'InvalidArgument',
  config_invalid: 'InvalidArgument',
  bad_digest: 'BadDigest',
  unauthorized: 'AccessDenied',
  forbidden: 'AccessDenied',
  not_found: 'NoSuchKey',
  method_not_allowed: 'MethodNotAllowed',
  body_timeout: 'RequestTimeout',
  request_timeout: 'RequestTimeout',
  conflict: 'PreconditionFailed',
  lock_token_invalid: 'Locked',
  // S3 takes no Idempotency-Key; only a node API write can carry one.
  request_id_reused: 'InvalidRequest',
  file_too_large: 'EntityTooLarge',
  range_not_satisfiable: 'InvalidRange',
  too_many_uploads: 'SlowDown',
  headers_too_large: 'InvalidRequest',
  not_leader: 'ServiceUnavailable',
  locked: 'Locked',
  internal: 'InternalError',
  unavailable: 'ServiceUnavailable',
  no_quorum: 'ServiceUnavailable',
  timeout: 'ServiceUnavailable',
  quota_exceeded: 'QuotaExceeded',
  // S3 has no code for a full disk; 503 tells clients to come back later, as S3 itself would.
  disk_full: 'ServiceUnavailable',
};

/** An S3Error for anything a handler throws; null for an unexpected failure (the caller logs it). */
export function toS3Error(err: unknown): S3Error | null {
  if (err instanceof S3Error) return err;
  if (err instanceof ApiError) {
    // The writer names which declared digest failed: S3 answers each with its own code.
    const sha256 = err.code === 'bad_digest' && (err as { extra?: { digest?: string } }).extra?.digest === 'sha256';
    return new S3Error(sha256 ? 'XAmzContentSHA256Mismatch' : FROM_API[err.code], err.detail);
  }
  // A write that met a leadership change or lost quorum: the client retries, as with S3's 503s.
  if (err instanceof NotLeaderError || err instanceof ProposalTimeoutError || err instanceof ProposalDroppedError) {
    return new S3Error('ServiceUnavailable', `${err.message}; retry.`);
  }
  return null;
}
