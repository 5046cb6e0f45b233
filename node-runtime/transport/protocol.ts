// Names shared by both ends of the peer protocol: paths, headers and the stream's upgrade token.
// Bumping RAFT_PROTOCOL's version is how an incompatible wire change would be introduced.

export const RAFT_PROTOCOL = 'dfs-raft/1';
export const RAFT_PATH = '/peer/raft';
export const CHUNK_PATH_PREFIX = '/peer/chunks/';
export const RPC_PATH_PREFIX = '/peer/rpc/';

/** Sender's node id, on every request and stream. */
export const FROM_HEADER = 'x-dfs-from';
/** Sender's public HTTP URL, on every request and stream and on the stream's 101 answer. */
export const HTTP_URL_HEADER = 'x-dfs-http';

export const CHUNK_HASH = /^[0-9a-f]{64}$/;
export const RPC_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Peer ids are positive integers (0 means "none" in Raft). */
export function parsePeerId(value: string | string[] | undefined): number | null {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null;
  const id = Number(value);
  return id > 0 ? id : null;
}

/**
 * An announced HTTP URL is kept only if it is a plain http(s) URL (it ends up in redirects and in
 * our own handshake answer). Control characters are refused up front because the URL parser
 * would silently strip them, hiding a header injection.
 */
export function parseHttpUrl(value: string | string[] | undefined): string | null {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length > 2048 || /[\x00-\x1f\x7f]/.test(value)) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : null;
  } catch {
    return null;
  }
}
