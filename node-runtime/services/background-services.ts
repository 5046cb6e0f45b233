// The node's background services, wired to its parts and scheduled: the scrubber (cluster
// settings scrubRateBytesPerSec, scrubIntervalSec), garbage collection with temp-file cleanup, lock
// expiry (leader only), a periodic catch-up pass that queues every missing chunk, and a record of
// the snapshots the Raft driver takes. Each reports its last run under `backgroundServices` in
// GET /recovery/status: scrubber, gc, lockExpiry, repair, snapshot.
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { scrubRunSchema } from '../common/api-types';
import type { ClusterSettings } from '../common/config';
import type { ApplyResult, StateMachine } from '../fsm';
import type { RaftDriver } from '../node/raft-driver';
import type { Clock } from '../ports';
import { readJsonFile, writeJsonAtomic } from '../storage/atomic-file';
import type { ChunkStore } from '../storage/chunk-store';
import type { ChunkRepairer } from './chunk-repairer';
import type { ChunkSync } from './chunk-sync';
import type { CommandRunner } from './command-runner';
import { GarbageCollector } from './garbage-collector';
import { LockExpiry } from './lock-expiry';
import { Scrubber, type InlineScrubSources, type ScrubProgress, type ScrubStatus } from './scrubber';
import { PeriodicTask, ServiceRuns, type PeriodicTaskOptions, type ServiceRun } from './service-runs';

const MINUTE_MS = 60_000;
/** A node that just started catches up first: a due scrub waits at least this long. */
const SCRUB_START_DELAY_MS = MINUTE_MS;
/** The last scrub pass, kept in the data directory so its record and the schedule survive a restart. */
const SCRUB_RECORD_FILE = 'scrub-last-run.json';

const scrubRecordSchema = scrubRunSchema.extend({
  finishedAt: z.iso.datetime(),
  bytesChecked: z.number().int().min(0),
  removed: z.number().int().min(0),
  leftCorrupt: z.number().int().min(0),
  missing: z.number().int().min(0).default(0),
});

/** How often the node-local services run; cluster settings govern the scrubber. */
export interface BackgroundTimings {
  readonly gcIntervalMs: number;
  /** Minimum age of an unreferenced chunk before it is collected (and the quiet time that ends an upload). */
  readonly gcGraceMs: number;
  readonly lockCheckMs: number;
  readonly repairIntervalMs: number;
}

export const DEFAULT_TIMINGS: BackgroundTimings = {
  gcIntervalMs: 10 * MINUTE_MS,
  gcGraceMs: 15 * MINUTE_MS,
  lockCheckMs: 100,
  repairIntervalMs: 5 * MINUTE_MS,
};

/** Timings from the environment (DFS_GC_INTERVAL_MS, DFS_GC_GRACE_MS, DFS_LOCK_CHECK_MS, DFS_REPAIR_INTERVAL_MS), for operators and tests. */
export function timingsFromEnv(env: NodeJS.ProcessEnv): Partial<BackgroundTimings> {
  const names: Record<keyof BackgroundTimings, string> = {
    gcIntervalMs: 'DFS_GC_INTERVAL_MS',
    gcGraceMs: 'DFS_GC_GRACE_MS',
    lockCheckMs: 'DFS_LOCK_CHECK_MS',
    repairIntervalMs: 'DFS_REPAIR_INTERVAL_MS',
  };
  const timings: Partial<Record<keyof BackgroundTimings, number>> = {};
  for (const [key, name] of Object.entries(names) as [keyof BackgroundTimings, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 10) throw new Error(`${name} must be a whole number of milliseconds, at least 10 (got "${raw}")`);
    timings[key] = value;
  }
  return timings;
}

export interface BackgroundDeps {
  readonly dataDir: string;
  readonly chunks: ChunkStore;
  readonly fsm: StateMachine;
  readonly raft: RaftDriver<ApplyResult>;
  readonly runner: CommandRunner;
  readonly repairer: ChunkRepairer;
  readonly sync: ChunkSync;
  /** Leader known, everything committed applied: "no file references it" can be trusted. */
  readonly isCaughtUp: () => boolean;
  /** Chunks a running backup still reads: kept even when no file references them any more. */
  readonly pinned?: (hash: string) => boolean;
  /** Small files' contents in the node's pack, for the scrubber. */
  readonly inline?: InlineScrubSources;
  readonly logger: Logger;
  readonly timings?: Partial<BackgroundTimings>;
  readonly clock: Clock;
}

export class BackgroundServices {
  private readonly runs: ServiceRuns;
  private readonly scrubber: Scrubber;
  private readonly gc: GarbageCollector;
  private readonly tasks: { scrubber: PeriodicTask; gc: PeriodicTask; lockExpiry: PeriodicTask; repair: PeriodicTask };
  private readonly stopWatchingSettings: () => void;

  constructor(private readonly deps: BackgroundDeps) {
    const { raft, clock } = deps;
    const timings = { ...DEFAULT_TIMINGS, ...deps.timings };
    this.runs = new ServiceRuns(clock);
    this.scrubber = createScrubber(deps);
    this.gc = new GarbageCollector({
      list: () => deps.chunks.list(),
      stat: (hash) => deps.chunks.stat(hash).catch(() => null),
      isReferenced: (hash) => deps.fsm.isChunkReferenced(hash) || (deps.pinned?.(hash) ?? false),
      remove: (hash) => deps.chunks.delete(hash),
      cleanupTemp: () => deps.chunks.cleanupTemp(),
      isCaughtUp: deps.isCaughtUp,
      graceMs: timings.gcGraceMs,
      clock,
    });
    this.tasks = this.schedule(timings);
    this.runs.register('snapshot');
    raft.on('snapshotTaken', ({ index, bytes, at }) => this.runs.happened('snapshot', at, { kind: 'taken', index, bytes }));
    raft.on('snapshotRestored', ({ index, bytes }) => this.runs.happened('snapshot', clock.now(), { kind: 'installed', index, bytes }));
    this.stopWatchingSettings = this.resumeRepairWhenRecoveryTurnsOn();
  }

  /** The four periodic services, each recorded under its name in `runs`. */
  private schedule(timings: BackgroundTimings): BackgroundServices['tasks'] {
    const { fsm, raft, runner, repairer, sync, logger, clock } = this.deps;
    const settings = (): Readonly<ClusterSettings> => fsm.clusterConfig();
    const task = (name: string, options: Omit<PeriodicTaskOptions, 'name' | 'runs' | 'clock'>) => new PeriodicTask({ name, runs: this.runs, clock, ...options });
    const lockExpiry = new LockExpiry({
      isLeader: () => raft.isLeader,
      leaseEnds: () => fsm.listLocks().map((lock) => lock.expiresAt),
      proposeTick: async (at) => {
        const applied = await runner.run({ type: 'tick', at });
        return applied.type === 'tick' ? applied.expiredLocks : [];
      },
      clock,
    });
    return {
      scrubber: task('scrubber', {
        intervalMs: () => settings().scrubIntervalSec * 1000,
        run: async () => {
          if (!this.scrubber.enabled()) return null;
          return this.scrubPass();
        },
        onError: (err) => logger.warn({ err: err.message }, 'scrub pass failed'),
      }),
      gc: task('gc', {
        intervalMs: () => timings.gcIntervalMs,
        // A restarted node lost its record of uploads in flight; wait one grace period first.
        firstRunAfterMs: timings.gcGraceMs,
        run: async () => {
          const result = await this.gc.collect();
          if (typeof result.removed === 'number' && result.removed > 0) logger.info({ event: 'gc', ...result }, `gc removed ${result.removed} unreferenced chunks`);
          return result;
        },
        onError: (err) => logger.warn({ err: err.message }, 'garbage collection failed'),
      }),
      lockExpiry: task('lockExpiry', {
        intervalMs: () => timings.lockCheckMs,
        run: () => lockExpiry.check(),
        onError: (err) => logger.debug({ err: err.message }, 'lock expiry tick failed; will retry'),
      }),
      repair: task('repair', {
        intervalMs: () => timings.repairIntervalMs,
        run: async () => {
          if (!settings().recoveryEnabled) return { recoveryEnabled: false };
          await sync.rescan();
          return { recoveryEnabled: true, pending: sync.pending(), ...repairer.counters };
        },
        onError: (err) => logger.warn({ err: err.message }, 'catch-up pass failed'),
      }),
    };
  }

  /**
   * Turning recovery back on resumes catch-up at once rather than at the next pass. Any applied
   * configSet replaces the settings object, so an off-and-on between two looks is not missed.
   */
  private resumeRepairWhenRecoveryTurnsOn(): () => void {
    const { fsm, clock } = this.deps;
    let seen = fsm.clusterConfig();
    return clock.every(1_000, () => {
      const current = fsm.clusterConfig();
      if (current === seen) return;
      // A pass already running may have started before the change: try again at the next look.
      if (current.recoveryEnabled && !this.tasks.repair.runNow()) return;
      seen = current;
    });
  }

  start(): void {
    const { scrubber, ...others } = this.tasks;
    for (const task of Object.values(others)) task.start();
    void this.restoreScrubRecord().then((lastEndedAt) => {
      const now = this.deps.clock.now();
      const interval = this.deps.fsm.clusterConfig().scrubIntervalSec * 1000;
      scrubber.start(Math.max(lastEndedAt ?? now, now + SCRUB_START_DELAY_MS - interval));
    });
  }

  async stop(): Promise<void> {
    this.stopWatchingSettings();
    this.scrubber.stop();
    await Promise.all(Object.values(this.tasks).map((task) => task.stop()));
  }

  /** POST /scrub: starts a pass now; false when one is running or scrubbing is disabled (rate 0). */
  startScrub(): boolean {
    if (!this.scrubber.enabled()) return false;
    return this.tasks.scrubber.runNow();
  }

  scrubStatus(): ScrubStatus {
    return this.scrubber.status();
  }

  services(): Record<string, ServiceRun> {
    return this.runs.all();
  }

  /** Protects a chunk stored for an upload from collection until its file is committed. */
  noteIncomingChunk(hash: string): void {
    this.gc.noteIncoming(hash);
  }

  /** Reads back the last pass of an earlier process; resolves with when it ended (null: none recorded). */
  private async restoreScrubRecord(): Promise<number | null> {
    try {
      const parsed = scrubRecordSchema.safeParse(await readJsonFile(path.join(this.deps.dataDir, SCRUB_RECORD_FILE)));
      if (!parsed.success) return null;
      this.scrubber.restoreLastRun(parsed.data as ScrubProgress);
      return Date.parse(parsed.data.finishedAt);
    } catch {
      return null;
    }
  }

  private async scrubPass() {
    const run = await this.scrubber.scrub();
    // Not awaited: the pass's status and its service record change together, in one turn.
    void writeJsonAtomic(path.join(this.deps.dataDir, SCRUB_RECORD_FILE), run).catch((err: Error) =>
      this.deps.logger.warn({ err: err.message }, 'could not record the scrub pass in the data directory'),
    );
    return {
      checked: run.checked,
      corrupt: run.corrupt,
      repaired: run.repaired,
      unrepairable: run.unrepairable,
      removed: run.removed,
      leftCorrupt: run.leftCorrupt,
      missing: run.missing,
      bytesPerSec: run.bytesPerSec,
    };
  }
}

/** The scrubber on this node's chunk store, repairing through catch-up and the repairer. */
function createScrubber({ chunks, fsm, sync, repairer, inline, logger, clock }: BackgroundDeps): Scrubber {
  const settings = (): Readonly<ClusterSettings> => fsm.clusterConfig();
  return new Scrubber({
    list: () => chunks.list(),
    open: async (hash) => ((await chunks.has(hash)) ? chunks.get(hash).catch(() => null) : null),
    referencedSize: (hash) => referencedSize(fsm, hash),
    referenced: () => referencedChunks(fsm),
    has: (hash) => chunks.has(hash),
    fetchMissing: (missing) => sync.want(missing),
    repair: async (hash, size) => {
      await repairer.repair(hash, size);
    },
    remove: async (hash) => {
      await chunks.delete(hash);
    },
    ...(inline && { inline }),
    rateBytesPerSec: () => settings().scrubRateBytesPerSec,
    recoveryEnabled: () => settings().recoveryEnabled,
    onCorrupt: (hash, outcome, detail) => {
      const level = outcome === 'repaired' || outcome === 'removed' ? 'warn' : 'error';
      logger[level]({ event: 'scrubCorruptChunk', hash, outcome, detail }, `scrub: chunk ${hash.slice(0, 12)}… is corrupt; ${outcome}${detail ? `: ${detail}` : ''}`);
    },
    clock,
  });
}

/** Every chunk of every file, a page of the catalogue at a time. */
function* referencedChunks(fsm: StateMachine): Generator<{ hash: string; size: number }> {
  let after: string | null = null;
  do {
    const page = fsm.list({ ...(after !== null ? { after } : {}), limit: 5000 });
    for (const file of page.items) yield* file.chunks;
    after = page.nextCursor;
  } while (after !== null);
}

/** The size files record for a chunk; undefined when no file references it (walks the catalogue: corrupt chunks only). */
function referencedSize(fsm: StateMachine, hash: string): number | undefined {
  if (!fsm.isChunkReferenced(hash)) return undefined;
  for (const chunk of referencedChunks(fsm)) if (chunk.hash === hash) return chunk.size;
  return undefined;
}
