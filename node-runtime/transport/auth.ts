// The cluster secret authenticates every peer request and stream. Comparison hashes both sides
// first so it runs in constant time regardless of where (or whether) the lengths differ.
//
// An empty secret disables the check. That is for a dev cluster started by hand on one machine;
// the transport then listens on loopback only unless an explicit host is given (see address.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export function authorizationHeader(secret: string): Record<string, string> {
  return secret === '' ? {} : { authorization: `Bearer ${secret}` };
}

export function isAuthorized(headers: IncomingHttpHeaders, secret: string): boolean {
  if (secret === '') return true;
  const presented = headers.authorization ?? '';
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(`Bearer ${secret}`));
}
