// The shapes the peer transport shares with the node that owns it: options, handlers, status.
import type { FormatRange } from '../common/command-formats';
import type { Readable } from 'node:stream';
import type { PeerAddress } from './address';
import type { BackoffPolicy } from './backoff';
import type { TlsMaterial } from './tls';

/** The subset of a pino logger the transport uses; a pino Logger fits as is. */
export interface TransportLog {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * Stores a pushed chunk. Must resolve only once the chunk is durable, and must reject with
 * ChunkIntegrityError when the bytes do not hash to `hash` or are not `size` bytes long.
 */
export type StoreChunk = (hash: string, body: Readable, size: number) => Promise<void>;

/** Opens a stored chunk for reading, or resolves null when this node does not hold it. */
export type OpenChunk = (hash: string) => Promise<Readable | null>;

/** Answers one peer RPC; the result is sent back as JSON. `from` is the calling peer's id. */
export type RpcHandler = (body: unknown, from: number) => unknown;

/** Bounds that keep a slow or dead peer from growing this node's memory. */
export interface QueueLimits {
  /** Encoded bytes queued per peer before messages are dropped. */
  readonly maxQueueBytes: number;
  /** Messages queued per peer before messages are dropped. */
  readonly maxQueueMessages: number;
  /** Batches are cut at this size; also the largest frame accepted from a peer. */
  readonly maxFrameBytes: number;
}

export interface PeerTransportOptions {
  readonly selfId: number;
  /** This node's peer address; port 0 picks a free port (see PeerTransport.address()). */
  readonly listen: PeerAddress;
  readonly peers: ReadonlyMap<number, PeerAddress>;
  /** DFS_CLUSTER_SECRET; empty disables authentication (manual dev clusters only). */
  readonly secret: string;
  /** This node's public HTTP URL, announced to every peer for redirects and forwarding. */
  readonly selfHttpUrl: string;
  /** Number in [0, 1) for backoff jitter; Math.random by default. */
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  readonly limits?: Partial<QueueLimits>;
  /** Default inactivity timeout of chunk and RPC requests. */
  readonly requestTimeoutMs?: number;
  /** Largest chunk accepted by PUT /peer/chunks/:hash. */
  readonly maxChunkBytes?: number;
  /** Largest snapshot accepted beside the Raft stream (snapshot-transfer.ts); a Buffer's limit by default. */
  readonly maxSnapshotBytes?: number;
  /** Mutual TLS on the peer port and to every peer, against the cluster's CA; plain TCP without. */
  readonly tls?: TlsMaterial;
  /** The command formats this node applies, advertised in every stream handshake (format-handshake.ts). */
  readonly commandFormats?: FormatRange;
  readonly log?: TransportLog;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Longest time without progress (connect, answer, body bytes) before PeerTimeoutError. */
  readonly timeoutMs?: number;
}

/** Our stream to one peer, as the outbound side sees it. */
export interface OutboundStatus {
  /** Our stream to the peer is established. */
  readonly connected: boolean;
  readonly lastError?: string;
  /** Times our stream was re-established after it failed or dropped. */
  readonly reconnects: number;
  readonly queuedMessages: number;
  readonly queuedBytes: number;
  readonly messagesSent: number;
  readonly bytesSent: number;
  readonly framesSent: number;
  /** Messages to the peer never written: queue over its bound, peer blocked, or too large. */
  readonly messagesDropped: number;
}

/** What the dashboard shows about one peer link, both directions. */
export interface PeerStatus extends OutboundStatus {
  readonly id: number;
  /** Where this node connects to the peer ("" when the peer is only known from its own stream). */
  readonly address: string;
  readonly httpUrl?: string;
  /** The command formats the peer applies, as it answered our handshake; absent until it has. */
  readonly commandFormats?: FormatRange;
  readonly blocked: boolean;
  /** The peer's stream to us is established. */
  readonly inboundConnected: boolean;
  readonly messagesReceived: number;
  /** Messages from the peer not delivered: peer blocked, or sender/recipient not this link's. */
  readonly messagesDiscarded: number;
  readonly bytesReceived: number;
  readonly framesReceived: number;
}
