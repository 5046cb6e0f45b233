// The one shape every API error takes, `{ "error": code, "detail": text }`, and the fixed set of
// codes with their HTTP status. Nodes produce these bodies; the manager and the renderer parse
// them, so a client branches on `error` and shows `detail` to people.

import { z } from 'zod';

/** Every error code an API answers with, mapped to its HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  name_invalid: 400,
  // The body does not match a digest the client sent with it (S3's Content-MD5, x-amz-content-sha256).
  bad_digest: 400,
  config_invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  // 408 Request Timeout: the client stopped sending its body mid-way, or took too long overall.
  body_timeout: 408,
  request_timeout: 408,
  conflict: 409,
  lock_token_invalid: 409,
  file_too_large: 413,
  range_not_satisfiable: 416,
  // 429 Too Many Requests: this node already takes as many uploads as its setting allows.
  too_many_uploads: 429,
  headers_too_large: 431,
  // 421 Misdirected Request: this node cannot serve the request because it is not the leader.
  not_leader: 421,
  // 422: an Idempotency-Key sent again with a different write (the key names one write only).
  request_id_reused: 422,
  locked: 423,
  internal: 500,
  unavailable: 503,
  no_quorum: 503,
  timeout: 504,
  // 507 Insufficient Storage: the cluster quota (policy) or the local disk (physics) is full.
  quota_exceeded: 507,
  disk_full: 507,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as readonly ErrorCode[];

export const errorCodeSchema = z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]);

export const apiErrorBodySchema = z.object({
  error: errorCodeSchema,
  detail: z.string(),
});

export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

/**
 * An error a caller may branch on. The API layer turns it into a response with `status` and
 * `toBody()`; the renderer's client throws it when a response carries an error body.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;

  constructor(code: ErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'ApiError';
    this.code = code;
    this.detail = detail;
  }

  get status(): number {
    return httpStatusOf(this.code);
  }

  toBody(): ApiErrorBody {
    return { error: this.code, detail: this.detail };
  }
}
