// Who may talk to the control API: only pages and tools that hold this launch's token, and only
// through a Host we serve (a DNS-rebinding page names its own host, so it is refused even though
// the browser connects to 127.0.0.1).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { CookieOptions } from 'express';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Accepts exactly `127.0.0.1:<port>` and `localhost:<port>` (any case), as browsers send them. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const lower = host.toLowerCase();
  return lower === `127.0.0.1:${port}` || lower === `localhost:${port}`;
}

/** Cookies are shared across ports of a host, so the name carries ours: two managers never clash. */
export function cookieName(port: number): string {
  return `dfs_token_${port}`;
}

/** The token cookie's attributes: out of reach of scripts, never sent by another site, whole origin. */
export const TOKEN_COOKIE: CookieOptions = { httpOnly: true, sameSite: 'strict', path: '/' };

/** The token a request presents: the Authorization header, then `?token=`, then our cookie. */
export function presentedToken(req: IncomingMessage, url: URL, port: number): string | null {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1] ?? null;
  }
  const query = url.searchParams.get('token');
  if (query !== null) return query;
  // Express parses no cookies without cookie-parser; for one cookie these lines beat a dependency.
  const name = cookieName(port);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a state-changing request must be refused as cross-site, or null when it may go on.
 *
 * The token cookie is SameSite=Strict, but every port of 127.0.0.1 is the same *site*, so a page
 * served from another local port rides along with it (issue #15). Browsers label each request:
 * `Origin` on every non-GET fetch or form, `Sec-Fetch-Site` on modern ones. A state change must
 * come from our own origin; a request with neither header comes from a tool (curl, a script,
 * the app:// forwarder) and must then carry the token in a header or the query, which a cross-site
 * page cannot set or know.
 */
export function crossSiteRefusal(req: IncomingMessage, url: URL, port: number): string | null {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return null;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const allowed = origin.toLowerCase() === `http://127.0.0.1:${port}` || origin.toLowerCase() === `http://localhost:${port}`;
    return allowed ? null : `requests from ${origin} may not change anything here`;
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? null : `a ${site} request may not change anything here`;
  const viaCookie = req.headers.authorization === undefined && !url.searchParams.has('token');
  return viaCookie ? 'a state change with the session cookie needs a same-origin Origin header' : null;
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
