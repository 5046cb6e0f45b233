// Pushes the chunks of one upload to every follower while the upload is still arriving, and
// tells the writer when a majority of voters (the leader included) holds every chunk durably —
// the moment DESIGN.md's write path may propose the file's metadata.
//
// The pipeline is bounded at both ends. A chunk's bytes are pushed from memory while it is among
// the last `window` chunks (no read back from disk); the upload reads its next chunk only while
// at most `window` chunks lack a majority, so memory stays a few chunks per upload and the
// client is slowed to the pace of the fastest majority. Each peer takes up to `perPeer` pushes
// at a time, so a follower receives chunk N+1 while it fsyncs chunk N. A peer that falls behind
// the window (a slow learner, the slower of two followers) is sent the rest from the local disk,
// read back into an idle buffer of the upload's pool when one is free (streamed otherwise).
// A failed push is tried once more from disk before the peer is given up for the upload. Once the
// upload is over, pushes not yet started are dropped: a peer still lacking chunks fetches them
// itself after it applies the file.
import { ApiError } from '../common/errors';
import type { SharedChunkBytes } from '../storage/chunk-buffers';
import type { SealedChunk } from '../storage/chunker';
import { PeerBlockedError } from '../transport';

export interface ChunkPusher {
  /**
   * Resolves once `peer` holds the chunk durably. `bytes` are the chunk's content while the upload
   * still holds them (unchanged until the push settles); without them the pusher reads the chunk
   * from the local store.
   */
  push(peer: number, hash: string, size: number, bytes?: Buffer): Promise<void>;
}

export interface ReplicationTarget {
  /** Voting members other than this node. */
  readonly followers: readonly number[];
  /** Non-voting members: they get the chunks too but do not count toward the majority. */
  readonly learners: readonly number[];
}

export interface ReplicationWindow {
  /** Chunks that may lack a majority (and whose bytes are kept for pushing) at a time. */
  readonly chunks: number;
  /** Pushes in flight to one peer. */
  readonly perPeer: number;
}

export const DEFAULT_REPLICATION_WINDOW: ReplicationWindow = { chunks: 3, perPeer: 2 };
/** Pause before a failed push is tried once more (a peer cut off on purpose is not retried). */
const PUSH_RETRY_DELAY_MS = 200;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface PeerQueue {
  readonly voter: boolean;
  readonly waiting: number[];
  running: number;
  failed?: Error;
}

/**
 * One upload's replication. A chunk counts as replicated once enough voting followers hold it
 * that, with the leader's own copy, a majority does. A peer whose push fails twice is given up for this
 * upload (it repairs the chunks later from the file's metadata); the chunks it already stored
 * still count.
 */
export class ChunkReplication {
  private readonly peers = new Map<number, PeerQueue>();
  private readonly chunks: { ref: SealedChunk['ref']; durable: Promise<void>; readBack: SealedChunk['readBack']; holders: number }[] = [];
  /**
   * Bytes of the newest chunks, by index, with the number of peers yet to start pushing them:
   * pushed from memory while here; let go once every peer started (or the window moved on).
   */
  private readonly held = new Map<number, { bytes: SharedChunkBytes; unsent: number }>();
  private readonly neededFollowers: number;
  /** Chunks 0 … replicated-1 are each held by a majority. */
  private replicated = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly pusher: ChunkPusher,
    private readonly target: ReplicationTarget,
    private readonly window: ReplicationWindow = DEFAULT_REPLICATION_WINDOW,
  ) {
    this.neededFollowers = Math.floor((target.followers.length + 1) / 2);
    for (const peer of target.followers) this.peers.set(peer, { voter: true, waiting: [], running: 0 });
    for (const peer of target.learners) this.peers.set(peer, { voter: false, waiting: [], running: 0 });
  }

  /**
   * Queues a chunk for every peer. Resolves when the upload may read on: at most `window` chunks
   * lack a majority. Rejects with no_quorum once too many followers failed for any majority.
   */
  async add(chunk: SealedChunk): Promise<void> {
    this.chunks[chunk.index] = { ref: chunk.ref, durable: chunk.durable, readBack: chunk.readBack, holders: 0 };
    const targets = [...this.peers].filter(([, queue]) => !queue.failed);
    this.held.set(chunk.index, { bytes: chunk.bytes, unsent: targets.length });
    this.letGo(chunk.index - this.window.chunks);
    if (targets.length === 0) this.letGo(chunk.index);
    for (const [peer, queue] of targets) {
      queue.waiting.push(chunk.index);
      this.pump(peer, queue);
    }
    await this.until(chunk.index + 1 - this.window.chunks);
  }

  /**
   * Resolves when every chunk added so far is held by a majority of voters; rejects with
   * no_quorum when too many followers failed. Pushes to the remaining peers go on in the background
   * until `dropQueuedPushes`.
   */
  async quorum(): Promise<void> {
    try {
      await this.until(this.chunks.length);
    } finally {
      // The body is all stored: a peer still behind (the slower follower, a learner) reads each
      // chunk back when its turn comes (SealedChunk.readBack), so the window's last chunks are let
      // go now rather than held until that peer reaches them, perhaps a hundred chunks later (in
      // memory.test.ts, 3 buffers of 4 MiB through the whole download that followed the upload).
      for (const index of [...this.held.keys()]) this.letGo(index);
    }
  }

  /**
   * The upload is over (committed or failed): pushes not yet started are dropped, those under way
   * finish. A peer still lacking chunks of a committed file fetches them itself once it applies
   * the file (its catch-up, services/chunk-sync.ts), so each chunk reaches it once: pushing on
   * after the commit sent most chunks to the slower follower twice (session 15, a 512 MiB upload:
   * 90 of its 128 chunks were both fetched by its catch-up and pushed, 87 of those pushes arriving
   * after the fetch, each then read back from its disk and hashed twice to be refused as held).
   */
  dropQueuedPushes(): void {
    for (const queue of this.peers.values()) {
      for (const index of queue.waiting) this.started(index);
      queue.waiting.length = 0;
    }
  }

  /** Resolves once the first `count` chunks are replicated. */
  private until(count: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.replicated >= count || this.neededFollowers === 0) {
          this.listeners.delete(check);
          resolve();
        } else if (this.liveVoters() < this.neededFollowers) {
          this.listeners.delete(check);
          reject(this.noQuorum());
        }
      };
      this.listeners.add(check);
      check();
    });
  }

  private pump(peer: number, queue: PeerQueue): void {
    while (!queue.failed && queue.running < this.window.perPeer && queue.waiting.length > 0) {
      const index = queue.waiting.shift() as number;
      queue.running += 1;
      void this.pushOne(peer, index).then(
        () => this.pushed(queue, index),
        (err: unknown) => this.gaveUp(queue, err),
      ).finally(() => {
        queue.running -= 1;
        this.pump(peer, queue);
      });
    }
  }

  private async pushOne(peer: number, index: number): Promise<void> {
    const chunk = this.chunks[index];
    if (!chunk) throw new Error(`chunk ${index} was never added`);
    let bytes = this.held.get(index)?.bytes.retain();
    this.started(index);
    try {
      // Out of the window: read back from the local store, once the chunk is durable there.
      if (bytes === undefined) {
        await chunk.durable;
        bytes = await chunk.readBack();
      }
      await this.pusher.push(peer, chunk.ref.hash, chunk.ref.size, bytes?.bytes);
      return;
    } catch (err) {
      if (err instanceof PeerBlockedError) throw err;
    } finally {
      bytes?.release();
    }
    // One more try from the local store (the memory is let go meanwhile): a follower that
    // restarted, a connection reset or bytes damaged on the way cost it one chunk, not the upload.
    await delay(PUSH_RETRY_DELAY_MS);
    await chunk.durable;
    await this.pusher.push(peer, chunk.ref.hash, chunk.ref.size);
  }

  /** One peer fewer will push chunk `index` from memory. */
  private started(index: number): void {
    const entry = this.held.get(index);
    if (entry && --entry.unsent === 0) this.letGo(index);
  }

  /** The window keeps chunk `index`'s bytes no longer (pushes under way keep their own hold). */
  private letGo(index: number): void {
    this.held.get(index)?.bytes.release();
    this.held.delete(index);
  }

  private pushed(queue: PeerQueue, index: number): void {
    const chunk = this.chunks[index];
    if (!queue.voter || !chunk) return;
    chunk.holders += 1;
    while ((this.chunks[this.replicated]?.holders ?? -1) >= this.neededFollowers) this.replicated += 1;
    this.notify();
  }

  private gaveUp(queue: PeerQueue, err: unknown): void {
    queue.failed ??= err instanceof Error ? err : new Error(String(err));
    for (const index of queue.waiting) this.started(index);
    queue.waiting.length = 0;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private liveVoters(): number {
    return [...this.peers.values()].filter((q) => q.voter && !q.failed).length;
  }

  private noQuorum(): ApiError {
    const voters = this.target.followers.length + 1;
    const reasons = [...this.peers]
      .filter(([, q]) => q.failed)
      .map(([id, q]) => `node ${id}: ${q.failed?.message ?? ''}`)
      .join('; ');
    return new ApiError('no_quorum', `only ${1 + this.liveVoters()} of ${voters} voters can hold the file's chunks (${reasons})`);
  }
}
