// Names shared by both ends of the peer protocol: paths, headers and the stream's upgrade token.
// Bumping RAFT_PROTOCOL's version is how an incompatible wire change would be introduced. The
// peer RPCs are declared here too, one zod schema per request and per answer.
import { z } from 'zod';

export const RAFT_PROTOCOL = 'dfs-raft/1';
export const RAFT_PATH = '/peer/raft';
export const CHUNK_PATH_PREFIX = '/peer/chunks/';
export const RPC_PATH_PREFIX = '/peer/rpc/';
/** InstallSnapshot, one request per snapshot beside the stream (snapshot-transfer.ts). Older releases lack it (404). */
export const SNAPSHOT_PATH = '/peer/raft/snapshot';
/**
 * InstallSnapshot in framing 2 (snapshot-stream.ts): POST streams it; GET answers which framing
 * the POST takes, so a sender learns before streaming that a peer of an older release lacks it (404).
 */
export const SNAPSHOT_STREAM_PATH = '/peer/raft/snapshot-stream';
export const SNAPSHOT_STREAM_FRAMING = 2;

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

/**
 * One peer RPC: the schema its request must pass on the answering node and the schema its answer
 * must pass on the calling node, so neither side trusts the other's JSON. `refusal` is the answer
 * to a request that fails its schema; without one such a request gets 400.
 */
export interface RpcDefinition<Request extends z.ZodType, Answer extends z.ZodType> {
  readonly request: Request;
  readonly answer: Answer;
  readonly refusal?: z.infer<Answer>;
}

function rpc<Request extends z.ZodType, Answer extends z.ZodType>(definition: RpcDefinition<Request, Answer>): RpcDefinition<Request, Answer> {
  return definition;
}

const chunkNames = z.object({ hashes: z.array(z.string().regex(CHUNK_HASH)).max(100_000) });

/** Every RPC one node may call on another, declared once for both ends. */
export const PEER_RPCS = {
  /** The answering node's commit index: a follower learns how far it is behind the leader. */
  'raft-info': rpc({ request: z.object({}), answer: z.object({ commit: z.number().int().nonnegative() }) }),
  /**
   * Whether the answering node holds every chunk named. A peer's list is input like any other:
   * anything but a list of chunk names is answered "no". Served for peers of the previous
   * release, which ask it to build `completeOn`; this release asks `missing-chunks`.
   */
  'holds-chunks': rpc({ request: chunkNames, answer: z.boolean(), refusal: false }),
  /** The chunks among those named that the answering node lacks; `false` refuses anything but a list of chunk names. */
  'missing-chunks': rpc({ request: chunkNames, answer: z.union([z.array(z.string().regex(CHUNK_HASH)), z.literal(false)]), refusal: false }),
  /** Where the answering node serves S3 (issue #17): a follower streams S3 writes there when it leads. */
  's3-url': rpc({ request: z.object({}), answer: z.string().url() }),
};

export type PeerRpcName = keyof typeof PEER_RPCS;
export type PeerRpcRequest<N extends PeerRpcName> = z.infer<(typeof PEER_RPCS)[N]['request']>;
export type PeerRpcAnswer<N extends PeerRpcName> = z.infer<(typeof PEER_RPCS)[N]['answer']>;
