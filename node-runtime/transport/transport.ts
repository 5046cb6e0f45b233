// The peer transport as the node sees it: a few methods, so the wiring and the services depend on
// this seam rather than on PeerTransport's HTTP machinery (hashicorp/raft's Transport is the model).
import type { Readable } from 'node:stream';
import type { AdvertisedFormats } from '../common/command-formats';
import type { Message } from '../raft/types';
import type { PeerAddress } from './address';
import type { ContentRecord } from './snapshot-stream';
import type { PeerRpcAnswer, PeerRpcName, PeerRpcRequest } from './protocol';
import type { OpenChunk, PeerStatus, RequestOptions, StoreChunk } from './types';

/** What the transport hands to the node: peer traffic arriving on the peer port. */
export interface InboundHandlers {
  /** A Raft message from a peer, in order per peer. */
  readonly onMessage: (m: Message) => void;
  /** A peer could not be reached or fell behind; the node calls RawNode.reportUnreachable. */
  readonly onUnreachable: (peerId: number) => void;
  /**
   * The Raft stream a peer opened here closed (EOF or RST, e.g. its process died) and no newer
   * one replaced it; the node calls RawNode.reportConnectionClosed.
   */
  readonly onConnectionClosed?: (peerId: number) => void;
  /** A snapshot sent to a peer did not arrive; the node calls RawNode.reportSnapshot(id, false). Without it, onUnreachable. */
  readonly onSnapshotFailed?: (peerId: number) => void;
  readonly storeChunk: StoreChunk;
  readonly openChunk: OpenChunk;
  /** Small files' contents beside snapshots (snapshot-stream.ts). Without it snapshots travel whole (framing 1). */
  readonly snapshotContents?: SnapshotContents;
}

/**
 * Where the contents a snapshot names come from and go to (a node's content pack). A snapshot of
 * this build names small files' contents instead of carrying them (format 5).
 */
export interface SnapshotContents {
  /** The contents snapshot data names, their bytes read and checked; none for data that names none. */
  named(data: Uint8Array): AsyncIterable<ContentRecord>;
  /** The data with every content it names inside (format 4): what a peer of an older release installs. */
  withBytes(data: Uint8Array): Promise<Uint8Array>;
  /** Keeps a content that arrived with a snapshot (checked against its SHA-256), held by nothing until that snapshot is installed. */
  receive(sha256: string, bytes: Uint8Array): void;
  /** Makes every content received so far durable: the snapshot naming them may then be installed. */
  sync(): Promise<void>;
}

/** Answers one typed peer RPC with a request that already passed its schema. */
export type PeerRpcHandler<N extends PeerRpcName> = (request: PeerRpcRequest<N>, from: number) => PeerRpcAnswer<N> | Promise<PeerRpcAnswer<N>>;

export interface Transport {
  /** Listens on the peer port, hands inbound traffic to `inbound`, then connects to every peer. */
  start(inbound: InboundHandlers): Promise<void>;
  /** Closes every connection and timer. */
  close(): Promise<void>;
  /** The bound peer address. */
  address(): PeerAddress;
  /**
   * Queues Raft messages; call only after the Ready they came from is persisted. They leave at the
   * end of the turn, one frame per peer with whatever else is sent in it; with `now`, at once.
   */
  send(messages: readonly Message[], options?: { readonly now?: boolean }): void;
  /** Whether a snapshot sent to `peerId` is still on its way (one at a time per peer). */
  snapshotUnderway(peerId: number): boolean;
  /** The public HTTP URL a peer announced (for redirects and forwarding). */
  peerHttpUrl(id: number): string | undefined;
  peerStatus(): Record<number, PeerStatus>;
  /** Raft messages to `peerId` that may not have arrived (dropped, or in a connection that broke), counted since start. */
  lossesTo(peerId: number): number;
  /** The command formats each peer advertised in its answer to our stream handshake (absent: not heard yet). */
  peerCommandFormats(): AdvertisedFormats;
  addPeer(id: number, address: PeerAddress): void;
  removePeer(id: number): void;
  /**
   * Fault injection until the next call: cut the links to `ids` in both directions, and stop
   * hearing from `ignored` while still sending to them (a one-way cut).
   */
  setBlockedPeers(ids: readonly number[], ignored?: readonly number[]): void;
  /** Resolves once the peer holds the chunk durably with a verified hash. */
  pushChunk(peerId: number, hash: string, size: number, open: () => Readable, options?: RequestOptions): Promise<void>;
  fetchChunk(peerId: number, hash: string, options?: RequestOptions): Promise<Readable>;
  /** Calls a peer RPC; the answer is checked against its schema (RpcAnswerError when it fails). */
  call<N extends PeerRpcName>(peerId: number, name: N, request: PeerRpcRequest<N>, options?: RequestOptions): Promise<PeerRpcAnswer<N>>;
  /** Serves a peer RPC; requests that fail their schema never reach `handler`. */
  answer<N extends PeerRpcName>(name: N, handler: PeerRpcHandler<N>): void;
}
