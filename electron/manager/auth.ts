// Who may talk to the control API: only pages and tools that hold this launch's token, and only
// through a Host we serve (a DNS-rebinding page names its own host, so it is refused even though
// the browser connects to 127.0.0.1).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

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

export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The token a request presents: the Authorization header, then `?token=`, then our cookie. */
export function presentedToken(req: IncomingMessage, url: URL, port: number): string | null {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1] ?? null;
  }
  const query = url.searchParams.get('token');
  if (query !== null) return query;
  const name = cookieName(port);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
