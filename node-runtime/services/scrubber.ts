// The scrubber: re-hashes every chunk this node holds, at a bounded read rate so client I/O keeps
// the disk, and repairs a chunk whose bytes no longer match its name from a healthy peer. Reads
// verify too, but only what is read; the scrubber finds bit rot in data nobody has asked for yet,
// while the other replicas still hold good copies.
//
// A corrupt chunk that no file references is garbage: it is removed rather than repaired (keeping
// it would let a later upload of the same content be deduplicated against damaged bytes). With
// recoveryEnabled false, corrupt chunks are counted and left alone; reads still refuse them.
// A pass also counts the chunks files reference that this node lacks, and hands them to catch-up.
// Then it re-hashes the small files' contents kept in the node's pack (storage/content-pack.ts)
// the same way, and repairs a damaged one from a peer too (peers serve them like chunks).
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ScrubRun } from '../common/api-types';
import type { Clock } from '../ports';

export interface ScrubSources {
  /** Hashes of the chunks held here. */
  list(): AsyncIterable<string>;
  /** The chunk's bytes as stored; null when it is gone (collected since it was listed). */
  open(hash: string): Promise<Readable | null>;
  /** Size of the chunk as the files referencing it record it; undefined when none does. */
  referencedSize(hash: string): number | undefined;
  /** Every chunk a file references (duplicates allowed). */
  referenced(): Iterable<{ readonly hash: string; readonly size: number }>;
  has(hash: string): Promise<boolean>;
  /** Hands referenced chunks missing here to catch-up (called only with recovery enabled). */
  fetchMissing(chunks: readonly { hash: string; size: number }[]): void;
  /** Fetches the chunk from a peer, verifies it and replaces the local copy. */
  repair(hash: string, size: number): Promise<void>;
  remove(hash: string): Promise<void>;
  /** Small files' contents kept in a pack, checked after the chunks (absent: none). */
  readonly inline?: InlineScrubSources;
  readonly rateBytesPerSec: () => number;
  readonly recoveryEnabled: () => boolean;
  /** Reports a corrupt chunk and what was done about it (for the node's log). */
  readonly onCorrupt: (hash: string, outcome: 'repaired' | 'unrepairable' | 'removed' | 'left', detail?: string) => void;
  readonly clock: Clock;
}

export interface InlineScrubSources {
  /** Every content held, by SHA-256, with its size. */
  list(): Iterable<{ readonly sha256: string; readonly length: number }>;
  /** The bytes as stored, unchecked; undefined when dropped since listed. */
  read(sha256: string): Uint8Array | undefined;
  /** Fetches the content from a peer, verifies it and writes it again. */
  repair(sha256: string, size: number): Promise<void>;
}

/** A scrub pass as GET /recovery/status shows it, plus two counters of ours. */
export interface ScrubProgress extends ScrubRun {
  readonly bytesChecked: number;
  /** Corrupt chunks no file referenced, removed instead of repaired. */
  readonly removed: number;
  /** Corrupt chunks left in place because recoveryEnabled is false. */
  readonly leftCorrupt: number;
  /** Chunks files reference that this node does not hold (handed to catch-up when recovery is on). */
  readonly missing: number;
}

export interface ScrubStatus {
  readonly running: boolean;
  /** The last pass that ended. */
  readonly lastRun: ScrubProgress | null;
  /** The pass running now. */
  readonly current: ScrubProgress | null;
}

/** Piece size the scrubber reads and accounts in; the rate limit is enforced per piece. */
const READ_PIECE = 256 * 1024;
/** Credit a slow disk may build up: after a stall the scrubber does not burst to catch up. */
const MAX_BURST_MS = 1_000;

interface MutableRun {
  startedAt: number;
  finishedAt: number | null;
  checked: number;
  corrupt: number;
  repaired: number;
  unrepairable: number;
  bytesChecked: number;
  removed: number;
  leftCorrupt: number;
  missing: number;
}

export class Scrubber {
  private current: MutableRun | null = null;
  private last: MutableRun | null = null;
  private readonly abort = new AbortController();
  private throttle = { start: 0, bytes: 0, rate: 0 };

  constructor(private readonly sources: ScrubSources) {}

  /** Takes over the last pass of an earlier process (read back from disk), for status and scheduling. */
  restoreLastRun(run: ScrubProgress): void {
    if (this.last) return;
    this.last = {
      startedAt: Date.parse(run.startedAt),
      finishedAt: run.finishedAt === null ? null : Date.parse(run.finishedAt),
      checked: run.checked,
      corrupt: run.corrupt,
      repaired: run.repaired,
      unrepairable: run.unrepairable,
      bytesChecked: run.bytesChecked,
      removed: run.removed,
      leftCorrupt: run.leftCorrupt,
      missing: run.missing,
    };
  }

  /** Whether a pass may run: a rate of 0 disables scrubbing. */
  enabled(): boolean {
    return this.sources.rateBytesPerSec() > 0;
  }

  status(): ScrubStatus {
    return {
      running: this.current !== null,
      lastRun: this.last && view(this.last, this.sources.clock.now()),
      current: this.current && view(this.current, this.sources.clock.now()),
    };
  }

  /** One pass over every local chunk. Resolves with the pass's counters; stop() ends it early. */
  async scrub(): Promise<ScrubProgress> {
    if (this.current) throw new Error('a scrub pass is already running');
    const run: MutableRun = { startedAt: this.sources.clock.now(), finishedAt: null, checked: 0, corrupt: 0, repaired: 0, unrepairable: 0, bytesChecked: 0, removed: 0, leftCorrupt: 0, missing: 0 };
    this.current = run;
    this.throttle = { start: this.sources.clock.now(), bytes: 0, rate: this.sources.rateBytesPerSec() };
    try {
      for await (const hash of this.sources.list()) {
        if (this.abort.signal.aborted) break;
        const intact = await this.check(hash, run);
        if (intact === null) continue;
        run.checked += 1;
        if (!intact) await this.handleCorrupt(hash, run);
      }
      if (!this.abort.signal.aborted) await this.findMissing(run);
      if (this.sources.inline) await this.scrubInline(this.sources.inline, run);
    } finally {
      run.finishedAt = this.sources.clock.now();
      this.current = null;
      this.last = run;
    }
    return view(run, this.sources.clock.now());
  }

  /** Ends a running pass at the next piece; later passes do not start. */
  stop(): void {
    this.abort.abort();
  }

  /** True when the stored bytes hash to the chunk's name; null when the chunk is gone. */
  private async check(hash: string, run: MutableRun, throttled = true): Promise<boolean | null> {
    const stream = await this.sources.open(hash);
    if (!stream) return null;
    const digest = createHash('sha256');
    try {
      for await (const piece of stream as AsyncIterable<Buffer>) {
        if (this.abort.signal.aborted) return null;
        for (let offset = 0; offset < piece.length; offset += READ_PIECE) {
          const part = piece.subarray(offset, offset + READ_PIECE);
          digest.update(part);
          if (throttled) {
            run.bytesChecked += part.length;
            await this.pace(part.length);
          }
        }
      }
    } finally {
      stream.destroy();
    }
    return digest.digest('hex') === hash;
  }

  private async scrubInline(inline: InlineScrubSources, run: MutableRun): Promise<void> {
    for (const { sha256, length } of inline.list()) {
      if (this.abort.signal.aborted) return;
      const bytes = inline.read(sha256);
      if (bytes === undefined) continue;
      run.checked += 1;
      run.bytesChecked += bytes.length;
      await this.pace(bytes.length);
      if (createHash('sha256').update(bytes).digest('hex') === sha256) continue;
      await this.handleCorrupt(sha256, run, length, async () => {
        await inline.repair(sha256, length);
        const repaired = inline.read(sha256);
        return repaired !== undefined && createHash('sha256').update(repaired).digest('hex') === sha256;
      });
    }
  }

  /** Waits as long as the read budget requires; a changed rate setting starts a new budget. */
  private async pace(bytes: number): Promise<void> {
    const rate = this.sources.rateBytesPerSec();
    const now = this.sources.clock.now();
    if (rate !== this.throttle.rate || now - (this.throttle.start + (this.throttle.bytes / this.throttle.rate) * 1000) > MAX_BURST_MS) {
      this.throttle = { start: now, bytes: 0, rate };
    }
    this.throttle.bytes += bytes;
    if (rate <= 0) return;
    const due = this.throttle.start + (this.throttle.bytes / rate) * 1000;
    if (due <= now) return;
    await this.sleep(due - now);
  }

  /** Waits `ms` on the clock; stop() ends the wait at once (the pass then ends at the next piece). */
  private sleep(ms: number): Promise<void> {
    const { signal } = this.abort;
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = { cancel: (): void => undefined };
      const onAbort = (): void => {
        timer.cancel();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      timer.cancel = this.sources.clock.after(ms, () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Missing chunks are not on disk to be re-hashed: look for what files reference and is not here. */
  private async findMissing(run: MutableRun): Promise<void> {
    const seen = new Set<string>();
    const missing: { hash: string; size: number }[] = [];
    for (const chunk of this.sources.referenced()) {
      if (seen.has(chunk.hash)) continue;
      seen.add(chunk.hash);
      if (!(await this.sources.has(chunk.hash))) missing.push({ hash: chunk.hash, size: chunk.size });
    }
    run.missing = missing.length;
    if (missing.length > 0 && this.sources.recoveryEnabled()) this.sources.fetchMissing(missing);
  }

  private async repairChunk(hash: string, size: number, run: MutableRun): Promise<boolean> {
    await this.sources.repair(hash, size);
    return (await this.check(hash, run, false)) === true;
  }

  /**
   * `size`: as the files that use it record it (undefined: none does); `repair` reports whether
   * the local copy is intact afterwards.
   */
  private async handleCorrupt(hash: string, run: MutableRun, size = this.sources.referencedSize(hash), repair = () => this.repairChunk(hash, size as number, run)): Promise<void> {
    run.corrupt += 1;
    if (size === undefined) {
      await this.sources.remove(hash);
      run.removed += 1;
      this.sources.onCorrupt(hash, 'removed');
      return;
    }
    if (!this.sources.recoveryEnabled()) {
      run.leftCorrupt += 1;
      this.sources.onCorrupt(hash, 'left');
      return;
    }
    try {
      if (!(await repair())) throw new Error('the local copy is still damaged after the repair');
      run.repaired += 1;
      this.sources.onCorrupt(hash, 'repaired');
    } catch (err) {
      run.unrepairable += 1;
      this.sources.onCorrupt(hash, 'unrepairable', (err as Error).message);
    }
  }
}

function view(run: MutableRun, now: number): ScrubProgress {
  const end = run.finishedAt ?? now;
  const seconds = (end - run.startedAt) / 1000;
  return {
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: run.finishedAt === null ? null : new Date(run.finishedAt).toISOString(),
    checked: run.checked,
    corrupt: run.corrupt,
    repaired: run.repaired,
    unrepairable: run.unrepairable,
    bytesPerSec: seconds > 0 ? Math.round(run.bytesChecked / seconds) : 0,
    bytesChecked: run.bytesChecked,
    removed: run.removed,
    leftCorrupt: run.leftCorrupt,
    missing: run.missing,
  };
}
