// Garbage collection of chunks no file references (left by deletes, overwrites and abandoned
// uploads), and of temp files left by a crash.
//
// A chunk is only garbage once nothing can still come to reference it. An upload's chunks are on
// disk (on the leader, and pushed to the followers) before the `put` naming them is committed, so
// a chunk is kept when any of these holds:
//  - a file in the state machine references it;
//  - it is younger than the grace period (by mtime);
//  - it arrived for an upload (written by the chunker or pushed by the leader) and no grace period
//    has passed without any chunk arriving since: a long upload keeps all of its chunks, even
//    ones older than the grace period, as long as its chunks keep coming. (A push of a chunk this
//    node already held does not change the file's mtime, so mtime alone would not protect it.)
// and collection runs only when this node has applied everything the leader has committed, so
// "not referenced" is not merely "not yet heard of".
import type { Clock } from '../ports';
import type { RunResult } from './service-runs';

export interface GarbageSources {
  /** Hashes of the chunks held here. */
  list(): AsyncIterable<string>;
  /** mtime and size of a held chunk; null when it is gone. */
  stat(hash: string): Promise<{ mtimeMs: number; size: number } | null>;
  isReferenced(hash: string): boolean;
  remove(hash: string): Promise<boolean>;
  /** Removes temp files of interrupted writes (not those of writes running now); returns how many. */
  cleanupTemp(): Promise<number>;
  /** True when this node knows every committed file (leader known, nothing left to apply). */
  isCaughtUp(): boolean;
  readonly graceMs: number;
  readonly clock: Clock;
}

export class GarbageCollector {
  /** Chunks that arrived for uploads and are not referenced yet. */
  private readonly incoming = new Set<string>();
  private lastIncomingAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly sources: GarbageSources) {}

  /** Call when a chunk is stored for an upload (chunked here, or pushed by the leader). */
  noteIncoming(hash: string): void {
    this.incoming.add(hash);
    this.lastIncomingAt = this.now();
  }

  /** One collection pass; returns what it removed and why it kept the rest. */
  async collect(): Promise<RunResult> {
    const tempFilesRemoved = await this.sources.cleanupTemp();
    if (!this.sources.isCaughtUp()) {
      return { tempFilesRemoved, skipped: 'this node is behind the leader; chunks are collected once it has caught up' };
    }
    this.forgetSettledUploads();
    const result = { tempFilesRemoved, scanned: 0, removed: 0, bytesFreed: 0, referenced: 0, young: 0, uploading: 0 };
    for await (const hash of this.sources.list()) {
      result.scanned += 1;
      const keep = this.reasonToKeep(hash);
      if (keep) {
        result[keep] += 1;
        continue;
      }
      const stat = await this.sources.stat(hash);
      if (!stat) continue;
      if (this.now() - stat.mtimeMs < this.sources.graceMs) {
        result.young += 1;
        continue;
      }
      // Checked again right before removing: an upload may have claimed the chunk meanwhile.
      const late = this.reasonToKeep(hash);
      if (late) {
        result[late] += 1;
        continue;
      }
      if (await this.sources.remove(hash)) {
        result.removed += 1;
        result.bytesFreed += stat.size;
      }
    }
    return result;
  }

  private reasonToKeep(hash: string): 'referenced' | 'uploading' | null {
    if (this.sources.isReferenced(hash)) return 'referenced';
    if (this.incoming.has(hash)) return 'uploading';
    return null;
  }

  /** Referenced chunks need no protection; after a grace period with no arrivals, no upload is running. */
  private forgetSettledUploads(): void {
    if (this.now() - this.lastIncomingAt >= this.sources.graceMs) {
      this.incoming.clear();
      return;
    }
    for (const hash of this.incoming) if (this.sources.isReferenced(hash)) this.incoming.delete(hash);
  }

  private now(): number {
    return this.sources.clock.now();
  }
}
