// Catch-up of file contents: every chunk the state machine references must end up on this node.
// Applied puts queue their chunks; a node that restarts (or restores a snapshot) rescans the whole
// catalogue. A background loop fetches what is missing, a few chunks at a time, so a node that was
// down heals without operator action and without starving client requests.
import type { StateMachine } from '../fsm';
import type { Clock } from '../ports';
import type { ChunkRepairer } from './chunk-repairer';

export interface ChunkSyncOptions {
  readonly fsm: StateMachine;
  readonly repairer: ChunkRepairer;
  readonly has: (hash: string) => Promise<boolean>;
  readonly enabled: () => boolean;
  readonly concurrency: number;
  /**
   * Bytes of chunks fetched at once, at most (one fetch always goes, however large its chunk): what
   * a fetch leaves behind grows with the bytes it moves, not with the number of fetches. See pump().
   */
  readonly maxBytesInFlight: number;
  /**
   * True while peers are pushing chunks to this node (the leader delivering what an upload
   * stored). Catch-up then fetches one chunk at a time beside the pushes instead of
   * `concurrency`: see pump().
   */
  readonly pushesArriving?: () => boolean;
  readonly onError: (hash: string, err: Error) => void;
  /** Delay before retrying chunks no peer could supply, ms. */
  readonly retryMs: number;
  readonly clock: Clock;
}

export class ChunkSync {
  /** hash → size of chunks known to be referenced but possibly missing here. */
  private readonly queue = new Map<string, number>();
  private readonly failed = new Map<string, number>();
  private running = 0;
  private runningBytes = 0;
  private rescanning: Promise<void> | null = null;
  private cancelRetry: (() => void) | null = null;
  private stopped = false;
  /** Chunks confirmed missing (checked against the store) and not yet fetched. */
  missing = 0;

  constructor(private readonly options: ChunkSyncOptions) {}

  /** Queue the chunks of a file this node applied. */
  want(chunks: readonly { hash: string; size: number }[]): void {
    for (const c of chunks) this.queue.set(c.hash, c.size);
    this.pump();
  }

  /** Queue every chunk of every file (after a restart or a snapshot restore). */
  rescan(): Promise<void> {
    this.rescanning ??= (async () => {
      for (const [hash, size] of this.options.fsm.chunkSizes()) this.queue.set(hash, size);
      this.pump();
    })().finally(() => {
      this.rescanning = null;
    });
    return this.rescanning;
  }

  /** Chunks queued or being fetched; zero means every referenced chunk is here. */
  pending(): number {
    return this.queue.size + this.running + this.failed.size;
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetry?.();
  }

  private pump(): void {
    if (this.stopped || !this.options.enabled()) return;
    // A follower that fell behind a large upload (the one the body went through) applies the file
    // while the leader still pushes it the last hundred-odd chunks. Four fetches beside those
    // pushes took in chunks at one and a half times the upload's rate, a quarter of them twice (a
    // fetch and a push of the same chunk), and memory.test.ts's follower rose 20-25 MiB above its
    // upload-phase peak while it caught up (bench/README.md, "Large files", session 15). One fetch at a time
    // still makes progress should the pushes never end; the full rate returns once they stop (the
    // next fetch to finish pumps again).
    //
    // Once the pushes stop, the fetches are limited by their bytes too. Each fetch's socket pieces
    // (64 KiB each, garbage once written) wait for a full collection, and V8 starts one for every
    // few tens of MiB of them; four 4 MiB fetches at once took that follower from 97-115 to 132-137
    // MiB within six seconds of the download phase, one at a time it stayed at its upload-phase
    // peak, memory.test.ts's rise 17-23 MiB against 41-44 (bench/README.md, "Large files", session
    // 16). With the default 4 MiB chunks that is one fetch at a time; smaller chunks still go
    // several at once.
    const limit = this.options.pushesArriving?.() ? 1 : this.options.concurrency;
    while (this.running < limit && this.queue.size > 0) {
      const [hash, size] = this.queue.entries().next().value as [string, number];
      if (this.running > 0 && this.runningBytes + size > this.options.maxBytesInFlight) return;
      this.queue.delete(hash);
      this.running += 1;
      this.runningBytes += size;
      void this.syncOne(hash, size).finally(() => {
        this.running -= 1;
        this.runningBytes -= size;
        this.pump();
      });
    }
  }

  private async syncOne(hash: string, size: number): Promise<void> {
    if (!this.options.fsm.isChunkReferenced(hash)) return;
    this.missing += 1;
    try {
      // Inside the try: a disk error while looking must be retried later, not crash the node.
      if (await this.options.has(hash)) return;
      await this.options.repairer.repair(hash, size);
      this.failed.delete(hash);
    } catch (err) {
      this.failed.set(hash, size);
      this.options.onError(hash, err as Error);
      this.scheduleRetry();
    } finally {
      this.missing -= 1;
    }
  }

  private scheduleRetry(): void {
    if (this.cancelRetry || this.stopped) return;
    this.cancelRetry = this.options.clock.after(this.options.retryMs, () => {
      this.cancelRetry = null;
      for (const [hash, size] of this.failed) this.queue.set(hash, size);
      this.failed.clear();
      this.pump();
    });
  }
}
