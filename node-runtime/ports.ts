// The contracts between the node's layers, as plain types: what the HTTP API needs from the node
// (NodeServices: routes stay thin, node/ decides how each service is carried out), what services
// implement for it, and the Clock every service is given. api/, services/ and node/ import this
// file; it imports only common/ and types. So services/ never imports api/, nor api/ services/.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { Registry } from 'prom-client';
import type { ConfigView, FileInfo, FileList, ListReplicas, LockGrant, LockInfo, NodeStatus, ObjectMeta, RecoveryStatus, ReplicaHolding, Stats } from './common/api-types';
import type { BackupManifest } from './backup/archive-format';
import type { ByteRange } from './common/byte-range';
import type { NodeApiRequest } from './transport/tls';

export type { NodeApiRequest };
import type { NodeEvent } from './common/node-events';

/**
 * Fault injection's peer rules: links cut both ways to `blockedPeers`; from `ignoredPeers` nothing
 * is heard while this node still sends to them (a one-way cut).
 */
export interface FaultRules {
  readonly blockedPeers: readonly number[];
  readonly ignoredPeers: readonly number[];
}

/**
 * Time as a service sees it: the process's clock and timers in production, a fake one in tests,
 * so a test drives a service's time instead of waiting on it.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms`, unless the returned function is called first. */
  after(ms: number, fn: () => void): () => void;
}

/** Marks a request one node forwarded to another: a node that receives one while not leader answers instead of forwarding again (no loops). */
export const FORWARDED_HEADER = 'x-dfs-forwarded-by';

export interface LeaderView {
  readonly isLeader: boolean;
  readonly leaderId: number | null;
  readonly leaderUrl: string | null;
  readonly term: number;
}

export type { ByteRange };

export interface WriteRequest {
  readonly name: string;
  readonly body: Readable;
  /** From Content-Length when the client sent one; lets quota refuse before reading the body. */
  readonly declaredSize: number | null;
  readonly lockToken?: string;
  readonly expectedVersion?: number;
  readonly expectedRevision?: number;
  /** Also compute the content's MD5 and keep it with the file (S3's ETag, issue #17). */
  readonly md5?: boolean;
  /** S3's ETag of an object assembled from parts ("<md5 of the parts' MD5s>-<parts>"), kept as given. */
  readonly md5Tag?: string;
  /** Attributes an S3 client sends with the object, kept with the file. */
  readonly meta?: ObjectMeta;
  /** Digests the client declared (Content-MD5, x-amz-content-sha256): on a mismatch nothing is stored. */
  readonly expected?: { readonly md5Hex?: string; readonly sha256Hex?: string };
  /** Names this write across resends: a repeat is answered with its first outcome. */
  readonly requestId?: string;
  /**
   * On a follower: propose the write through the leader over Raft and answer once applied here
   * (FileService.relayable said yes; requestId is set). The body must go inline.
   */
  readonly relayed?: boolean;
}

/** A file made of other files' contents, end to end (S3's CompleteMultipartUpload). */
export interface ComposeRequest {
  readonly name: string;
  /** The files whose contents, in this order, make the new file; they must stay until it is written. */
  readonly parts: readonly FileInfo[];
  /** S3's ETag of the result, kept as given ("<md5 of the parts' MD5s>-<parts>" after a multipart upload). */
  readonly md5Tag?: string;
  readonly meta?: ObjectMeta;
}

export interface FileService {
  /**
   * With `delimiter: '/'` one folder level: deeper names roll up into `folders`. With `contains`
   * a search at every depth (see ListOptions.contains), never with a delimiter.
   */
  list(query: { prefix: string; cursor: string | null; limit: number; delimiter?: '/'; contains?: string }): FileList;
  /** Throws ApiError not_found. */
  info(name: string): FileInfo;
  /** Which chunks of the file each member lacks (asks the peers; null for those that do not answer). */
  replicas(info: FileInfo): Promise<ReplicaHolding[]>;
  /** For a listing's files, the members that lack chunks of each (one question per peer for all of them). */
  listReplicas(names: readonly string[]): Promise<ListReplicas>;
  /** Leader only. Writes a file from existing files' chunks without copying them; only the whole content's SHA-256 is computed. */
  compose(request: ComposeRequest): Promise<FileInfo>;
  /** Leader only, or `relayed` on a follower. Stores, replicates to a majority, commits; resolves with the new metadata. */
  write(request: WriteRequest): Promise<FileInfo>;
  /**
   * Whether a follower may write a file of this declared size itself, relaying its entry to the
   * leader through Raft (WriteRequest.relayed): it goes inline, and every member applies this
   * release's newest command format.
   */
  relayable(declaredSize: number | null): boolean;
  /** Leader only. */
  remove(name: string, lockToken?: string, requestId?: string): Promise<FileInfo>;
  /** Streams a verified file (or a byte range of it) from local chunks, repairing missing ones first. */
  read(info: FileInfo, range: ByteRange | null): Readable;
  /**
   * Writes what `read` streams to `sink` (a response) and ends it, reusing its read buffers once the
   * sink has written them; rejects, with the sink destroyed, when a read fails or the sink closes first.
   */
  send(info: FileInfo, range: ByteRange | null, sink: Writable): Promise<void>;
}

export interface LockService {
  list(): LockInfo[];
  acquire(name: string, owner: string, ttlMs: number | null): Promise<LockGrant>;
  renew(name: string, token: string, ttlMs: number | null): Promise<LockInfo>;
  release(name: string, token: string): Promise<void>;
}

export interface MembershipService {
  add(member: { id: number; peerAddress: string; httpUrl: string | null }): Promise<void>;
  /** Makes a learner a voter once it has caught up (an add whose catch-up timed out left it a learner). */
  promote(id: number): Promise<void>;
  remove(id: number): Promise<void>;
}

/** The node's current bounds on a client request (live settings). */
export interface RequestLimits {
  readonly bodyIdleTimeoutMs: number;
  readonly openHealthRoutes: boolean;
  readonly maxConcurrentUploads: number;
}

export interface NodeServices {
  readonly id: number;
  limits(): RequestLimits;
  readonly startedAt: number;
  status(): NodeStatus;
  stats(): Promise<Stats>;
  recovery(): RecoveryStatus;
  config(): ConfigView;
  /** Validates all keys, then applies cluster scope through Raft and node scope locally. */
  updateConfig(patch: unknown): Promise<ConfigView>;
  leader(): LeaderView;
  /**
   * The leader once one is known and reachable (this node, or a peer whose API URL is known and
   * is not `unreachable`, a leader that just refused a connection), waiting for an election up to
   * the leaderWaitMs setting; else the view at that deadline.
   */
  awaitLeader(unreachable?: string | null): Promise<LeaderView>;
  /** A leader is known and this node has applied everything it knows is committed. */
  isReady(): boolean;
  /** Linearizable read barrier (ReadIndex). */
  readBarrier(): Promise<void>;
  /** Ask the cluster to make this node the leader (leadership transfer to it). */
  takeLeadership(): Promise<LeaderView>;
  startScrub(): boolean;
  /** A backup archive of the state at this node's applied index (throws ApiError unavailable when not caught up). */
  backup(): Promise<{ manifest: BackupManifest; stream: Readable }>;
  readonly files: FileService;
  readonly locks: LockService;
  readonly membership: MembershipService;
  /** Present only when the node runs with --fault-injection. */
  readonly faults: { setRules(rules: FaultRules): void; rules(): FaultRules } | null;
  /**
   * The request carries the cluster secret (constant-time). Without a secret (a hand-started dev
   * cluster, loopback only) every request passes unless `strict`.
   */
  hasClusterSecret(headers: IncomingHttpHeaders, strict: boolean): boolean;
  /** The request may use client routes: no API token is configured, or it carries the token (or the cluster secret). */
  isAuthorizedClient(headers: IncomingHttpHeaders): boolean;
  readonly metrics: Registry;
  /** A request to another node's API (a write forwarded to the leader), over HTTPS against the cluster's CA when the URL says so. */
  readonly requestNode: NodeApiRequest;
  /** The node's events (common/node-events.ts): `listener` gets each one; `onEnd` when the node stops. */
  readonly events: { subscribe(listener: (event: NodeEvent) => void, onEnd?: () => void): () => void };
  /** Records each client request's latency for /stats. */
  readonly traffic: { recordRequest(ms: number): void };
}
