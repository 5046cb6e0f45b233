// Fetches a chunk this node lacks (or holds corrupt) from a peer, verifies it against its
// SHA-256 and stores it. Reads, catch-up and the scrubber all repair through here, so the
// counters shown by /recovery/status cover every path.
//
// The bytes stream from the peer into the store as they arrive, checked on the way; nothing holds
// a whole chunk. A follower that fell behind a large upload catches up through here (ChunkSync:
// then four chunks at a time), while the leader's last pushes arrive beside it: gathered whole (the
// socket's pieces, then one copy of them all) those four fetches held up to 32 MiB, and
// memory.test.ts's follower rose 63–72 MiB over its rest while it caught up (64 allowed; issue #11).
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ApiError } from '../common/errors';

export interface RepairSources {
  /** Peers to ask, best first (e.g. the leader, then the others). */
  peers(): number[];
  fetch(peer: number, hash: string): Promise<Readable>;
  /**
   * Stores the content as `body` yields it. `body` throws instead of ending when the bytes are
   * not `size` bytes hashing to `hash`, so a store that writes as it reads must keep nothing
   * unless `body` ended (ChunkStore.put aborts its temp file).
   */
  store(hash: string, body: AsyncIterable<Buffer>, size: number): Promise<void>;
  /**
   * The store itself refuses content that does not hash to its name, storing nothing (ChunkStore.put
   * does): `body` then checks only the length, so the bytes are not hashed twice.
   */
  readonly storeVerifies?: boolean;
}

export interface RepairCounters {
  chunksFetched: number;
  bytesFetched: number;
  failures: number;
}

export class ChunkRepairer {
  readonly counters: RepairCounters = { chunksFetched: 0, bytesFetched: 0, failures: 0 };
  /** Concurrent requests for one chunk share one fetch. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly sources: RepairSources) {}

  /** Resolves once the store holds the content again (read it from there). */
  repair(hash: string, size: number): Promise<void> {
    let pending = this.inFlight.get(hash);
    if (!pending) {
      pending = this.fetchFromPeers(hash, size).finally(() => this.inFlight.delete(hash));
      this.inFlight.set(hash, pending);
    }
    return pending;
  }

  private async fetchFromPeers(hash: string, size: number): Promise<void> {
    const problems: string[] = [];
    for (const peer of this.sources.peers()) {
      try {
        await this.sources.store(hash, checked(await this.sources.fetch(peer, hash), hash, size, !this.sources.storeVerifies), size);
        this.counters.chunksFetched += 1;
        this.counters.bytesFetched += size;
        return;
      } catch (err) {
        problems.push(`node ${peer}: ${(err as Error).message}`);
      }
    }
    this.counters.failures += 1;
    throw new ApiError('unavailable', `chunk ${hash.slice(0, 12)}… is missing here and no peer could supply it (${problems.join('; ') || 'no peers'})`);
  }
}

/**
 * `stream`'s pieces as they come, hashed on the way unless `hashToo` is false (the store checks the
 * hash); throws rather than ending when they are not `size` bytes (hashing to `hash`). Leaving the
 * loop early (more bytes than `size`, or the store stopped reading) destroys the stream: a peer
 * cannot make this node write without bound.
 */
async function* checked(stream: Readable, hash: string, size: number, hashToo: boolean): AsyncGenerator<Buffer> {
  const digest = hashToo ? createHash('sha256') : null;
  let total = 0;
  for await (const piece of stream as AsyncIterable<Buffer>) {
    total += piece.length;
    if (total > size) throw new Error(`sent more than the chunk's ${size} bytes`);
    digest?.update(piece);
    yield piece;
  }
  if (total !== size || (digest !== null && digest.digest('hex') !== hash)) throw new Error(`sent ${total} bytes that do not match the chunk (${size} bytes, SHA-256 ${hash.slice(0, 12)}…)`);
}

/** All of `body` in one buffer: for stores that take a content whole (a small file's, at most the inline limit). */
export async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of body) pieces.push(piece);
  return Buffer.concat(pieces);
}
