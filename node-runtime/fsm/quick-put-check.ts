// Recognises the common put, by hand. Every replica checks every entry it applies, and zod's check
// of a put (strictObject, a discriminated union, a base64 regex over the inline content) was about
// 0.19 ms of each node's main thread per write (issue #11: a tenth of the goal's CPU per write,
// spent three times). This check accepts only puts that zod's schema certainly accepts and
// unchanged (strict keys, types, ranges, the same patterns), and says "don't know" about anything
// else — S3's fields, a lock token, a malformed value — which then goes through the schema as
// before. So what a replica applies, and every rejection's wording, does not depend on it.

import { MAX_COMMAND_AT } from './command-limits';
import type { PutCommand } from './commands';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** requestIdSchema's pattern (common/api-types.ts). */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;
const REQUIRED = ['type', 'name', 'size', 'sha256', 'chunks', 'at'] as const;
const OPTIONAL = new Set(['expectedVersion', 'expectedRevision', 'requestId']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

function chunksOk(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const chunk of value) {
    if (!isPlainObject(chunk) || Object.keys(chunk).length !== 2) return false;
    if (typeof chunk.hash !== 'string' || !SHA256_HEX.test(chunk.hash) || !isCount(chunk.size, 1)) return false;
  }
  return true;
}

function optionalsOk(value: Record<string, unknown>): boolean {
  if ('expectedVersion' in value && !isCount(value.expectedVersion)) return false;
  if ('expectedRevision' in value && !isCount(value.expectedRevision)) return false;
  return !('requestId' in value) || (typeof value.requestId === 'string' && REQUEST_ID.test(value.requestId));
}

/**
 * `value` (a format-3 put's JSON, without its inline content) as a put, when it is one the schema
 * accepts as it is; null when this check cannot tell (the caller then asks the schema). `inline`
 * is the content's base64 from the entry's raw tail, valid base64 by construction; the caller
 * keeps it within the schema's length limit.
 */
export function quickPut(value: unknown, inline: string | undefined): PutCommand | null {
  if (!isPlainObject(value) || value.type !== 'put') return null;
  let keys = 0;
  for (const key in value) {
    if (!OPTIONAL.has(key) && !(REQUIRED as readonly string[]).includes(key)) return null;
    keys += 1;
  }
  for (const key of REQUIRED) if (!(key in value)) return null;
  if (keys < REQUIRED.length || typeof value.name !== 'string' || !isCount(value.size) || !isCount(value.at, 0, MAX_COMMAND_AT)) return null;
  if (typeof value.sha256 !== 'string' || !SHA256_HEX.test(value.sha256) || !chunksOk(value.chunks) || !optionalsOk(value)) return null;
  const put = value as unknown as PutCommand;
  return inline === undefined ? put : { ...put, inline };
}
