// Bounds on a command's numbers, shared by its schema (commands.ts) and the hand-written check of
// a put (quick-put-check.ts).

/** Lease lengths are bounded so that `at + ttlMs` stays a valid time. */
export const MAX_LOCK_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** The latest instant a JavaScript Date can represent. */
const MAX_DATE_MS = 8_640_000_000_000_000;
/**
 * The latest `at` (the leader's clock when it proposed a command): bounded so that every log time
 * and lease expiry is an exact integer that prints as an ISO date.
 */
export const MAX_COMMAND_AT = MAX_DATE_MS - MAX_LOCK_TTL_MS;
