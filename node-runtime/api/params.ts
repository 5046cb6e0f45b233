// Parsing of request parts shared by several routes; every failure is a 4xx ApiError.
import type { Request } from 'express';
import { REQUEST_ID_HEADER, requestIdSchema } from '../common/api-types';
import { ApiError } from '../common/errors';
import { validateFileName } from '../common/file-name';

/** The file name from a wildcard route parameter (`/upload/*name`) or a query parameter. */
export function fileNameFrom(raw: unknown): string {
  const joined = Array.isArray(raw) ? raw.join('/') : raw;
  if (typeof joined !== 'string' || joined.length === 0) {
    throw new ApiError('bad_request', 'a file name is required (e.g. ?name=report.pdf)');
  }
  const checked = validateFileName(joined);
  if (!checked.ok) throw new ApiError('name_invalid', checked.detail);
  return checked.name;
}

export function optionalInt(req: Request, key: string, min: number, max: number): number | null {
  const raw = req.query[key];
  if (raw === undefined) return null;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ApiError('bad_request', `query parameter "${key}" must be an integer between ${min} and ${max}`);
  }
  return value;
}

/** A lock token from `X-Lock-Token` or `?lockToken=`. */
export function lockTokenFrom(req: Request): string | undefined {
  const header = req.headers['x-lock-token'];
  if (typeof header === 'string' && header.length > 0) return header;
  const query = req.query.lockToken;
  return typeof query === 'string' && query.length > 0 ? query : undefined;
}

/** The write's request id from `Idempotency-Key`, if the client (or a forwarding node) sent one. */
export function requestIdFrom(req: Request): string | undefined {
  const header = req.headers[REQUEST_ID_HEADER];
  if (header === undefined) return undefined;
  if (!requestIdSchema.safeParse(header).success) {
    throw new ApiError('bad_request', 'the Idempotency-Key header must be 1 to 128 visible ASCII characters (e.g. a UUID)');
  }
  return header as string;
}
