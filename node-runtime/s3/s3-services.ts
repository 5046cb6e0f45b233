// What the S3 endpoint needs from its node, as one small interface (the node's services satisfy
// it as they are): files to list, read, write and remove, the leader, and the read barrier. S3
// adds no service of its own, so both APIs see the same files, locks and quota.
import type { Readable, Writable } from 'node:stream';
import type { FileInfo, FileList, ObjectMeta } from '../common/api-types';
import type { ByteRange } from '../common/byte-range';

export interface S3WriteRequest {
  readonly name: string;
  readonly body: Readable;
  readonly declaredSize: number | null;
  /** 0: only if the name does not exist yet. */
  readonly expectedVersion?: number;
  /** Compute the content's MD5 and keep it (the ETag). */
  readonly md5?: boolean;
  /** A multipart ETag to keep as given. */
  readonly md5Tag?: string;
  readonly meta?: ObjectMeta;
  readonly expected?: { readonly md5Hex?: string; readonly sha256Hex?: string };
}

/** Who leads, as this node sees it; `leaderUrl` is the leader's node API URL. */
export interface LeaderSeen {
  readonly isLeader: boolean;
  readonly leaderId: number | null;
  readonly leaderUrl: string | null;
}

export interface S3Services {
  readonly id: number;
  leader(): LeaderSeen;
  /**
   * The leader once one is elected and reachable, waiting through an election up to the
   * leaderWaitMs setting; `unreachable`: the node API URL of a leader that just refused a
   * connection (it died), which does not count.
   */
  awaitLeader(unreachable?: string | null): Promise<LeaderSeen>;
  /** Linearizable read barrier (ReadIndex): S3 promises read-after-write from any node. */
  readBarrier(): Promise<void>;
  limits(): { readonly bodyIdleTimeoutMs: number; readonly maxConcurrentUploads: number };
  readonly files: {
    list(query: { prefix: string; cursor: string | null; limit: number; delimiter?: '/' }): FileList;
    /** Throws ApiError not_found. */
    info(name: string): FileInfo;
    /** Leader only: stores, replicates to a majority, commits. */
    write(request: S3WriteRequest): Promise<FileInfo>;
    /** Leader only: a file from existing files' contents end to end, sharing their chunks. */
    compose(request: { name: string; parts: readonly FileInfo[]; md5Tag?: string; meta?: ObjectMeta }): Promise<FileInfo>;
    /** Leader only. Throws ApiError not_found. */
    remove(name: string): Promise<FileInfo>;
    /** The verified bytes of a file, or of a range of it. */
    read(info: FileInfo, range: ByteRange | null): Readable;
    /** The same bytes written to `sink`, which is ended (or destroyed, and the promise rejected, when a read fails). */
    send(info: FileInfo, range: ByteRange | null, sink: Writable): Promise<void>;
  };
}
