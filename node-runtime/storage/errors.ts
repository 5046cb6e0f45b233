// Typed storage errors: callers branch on these (refuse to start, answer 4xx, repair a chunk).
// Each one carries the file, offset, index or hash that lets an operator find the problem.

/**
 * The write-ahead log is damaged somewhere other than a torn tail. Opening it anyway would drop
 * records that may have been acknowledged, so the node must refuse to start.
 */
export class WalCorruptionError extends Error {
  override readonly name = 'WalCorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`write-ahead log corrupt in ${file} at offset ${offset}: ${reason}`);
  }
}

/** The caller broke the WAL's contract (a gap in indices, truncating into a snapshot). A bug upstream. */
export class WalUsageError extends Error {
  override readonly name = 'WalUsageError';
}

/** The WAL was closed; it accepts no more writes. */
export class WalClosedError extends Error {
  override readonly name = 'WalClosedError';
  constructor(readonly dir: string) {
    super(`write-ahead log in ${dir} is closed`);
  }
}

/**
 * A write or fsync failed. After a failed fsync the kernel may have dropped the dirty pages, so
 * retrying could report data durable that is not: the WAL stops and must be reopened (replayed).
 */
export class WalFailedError extends Error {
  override readonly name = 'WalFailedError';
  constructor(
    readonly file: string,
    options: { cause: unknown },
  ) {
    super(`write-ahead log failed writing ${file}; reopen it to recover`, options);
  }
}

/** A snapshot file is truncated, has a bad checksum or unreadable metadata. */
export class SnapshotCorruptionError extends Error {
  override readonly name = 'SnapshotCorruptionError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`snapshot ${file} is corrupt: ${reason}`);
  }
}

/** No stored snapshot has the requested index and term. */
export class SnapshotNotFoundError extends Error {
  override readonly name = 'SnapshotNotFoundError';
  constructor(
    readonly index: number,
    readonly term: number,
  ) {
    super(`no snapshot stored at index ${index}, term ${term}`);
  }
}

/** A chunk id is not a lowercase SHA-256 hex string (never used to build a path). */
export class InvalidChunkHashError extends Error {
  override readonly name = 'InvalidChunkHashError';
  constructor(readonly hash: string) {
    super(`invalid chunk hash ${JSON.stringify(hash.slice(0, 80))}: expected 64 lowercase hex digits`);
  }
}

/** The bytes offered for a chunk do not hash to its name; nothing was stored. */
export class ChunkHashMismatchError extends Error {
  override readonly name = 'ChunkHashMismatchError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    readonly size: number,
  ) {
    super(`chunk content hashes to ${actual} (${size} bytes), expected ${expected}`);
  }
}

export class ChunkNotFoundError extends Error {
  override readonly name = 'ChunkNotFoundError';
  constructor(readonly hash: string) {
    super(`chunk ${hash} is not stored`);
  }
}

/** node.json names another cluster or node than the one this process was started as. */
export class NodeIdentityMismatchError extends Error {
  override readonly name = 'NodeIdentityMismatchError';
  constructor(
    readonly file: string,
    readonly field: 'clusterId' | 'nodeId',
    readonly stored: string | number,
    readonly requested: string | number,
  ) {
    super(`${file} belongs to ${field} ${stored}, but this node was started as ${field} ${requested}`);
  }
}

/** A small metadata file exists but does not hold what it should. */
export class MetadataFileError extends Error {
  override readonly name = 'MetadataFileError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** The data directory cannot be turned back into a consistent node state; the node must not start. */
export class RecoveryError extends Error {
  override readonly name = 'RecoveryError';
  constructor(
    readonly dataDir: string,
    readonly reason: string,
    options?: { cause: unknown },
  ) {
    super(`cannot recover ${dataDir}: ${reason}`, options);
  }
}
