// GET /recovery/status: how far this node is from being whole — log entries behind the leader,
// snapshot install, chunks missing and fetched, an estimate of the time left — plus the scrubber
// and the background services' last runs.
import type { BackgroundService, RecoveryStatus, ScrubRun } from '../common/api-types';
import type { Clock } from '../ports';
import type { ChunkRepairer } from './chunk-repairer';
import type { ChunkSync } from './chunk-sync';

export interface RecoverySources {
  readonly recoveryEnabled: () => boolean;
  /** Entries this node has yet to apply of what the leader committed; null until the leader was heard from. */
  readonly behindLeader: () => number | null;
  readonly sync: ChunkSync;
  readonly repairer: ChunkRepairer;
  readonly scrub: () => { running: boolean; lastRun: ScrubRun | null; current: ScrubRun | null };
  readonly services: () => Record<string, BackgroundService>;
  readonly clock: Clock;
}

interface Sample {
  readonly at: number;
  readonly remaining: number;
}

export class RecoveryStatusTracker {
  private snapshot = { inProgress: false, bytesReceived: 0, bytesTotal: null as number | null };
  private samples: Sample[] = [];

  constructor(private readonly sources: RecoverySources) {}

  snapshotStarted(bytesTotal: number): void {
    this.snapshot = { inProgress: true, bytesReceived: 0, bytesTotal };
  }

  snapshotFinished(bytes: number): void {
    this.snapshot = { inProgress: false, bytesReceived: bytes, bytesTotal: bytes };
  }

  status(): RecoveryStatus {
    const entriesBehind = this.sources.behindLeader() ?? 0;
    const chunksMissing = this.sources.sync.pending();
    const remaining = entriesBehind + chunksMissing;
    const catchingUp = remaining > 0 || this.snapshot.inProgress;
    return {
      recoveryEnabled: this.sources.recoveryEnabled(),
      catchingUp,
      entriesBehind,
      snapshot: { ...this.snapshot },
      chunksMissing,
      chunksFetched: this.sources.repairer.counters.chunksFetched,
      bytesFetched: this.sources.repairer.counters.bytesFetched,
      etaSec: catchingUp ? this.estimate(remaining) : null,
      scrub: this.sources.scrub(),
      backgroundServices: this.sources.services(),
    };
  }

  /** Seconds left at the rate the remaining work shrank over the last half minute. */
  private estimate(remaining: number): number | null {
    const now = this.sources.clock.now();
    this.samples.push({ at: now, remaining });
    this.samples = this.samples.filter((s) => now - s.at <= 30_000);
    const first = this.samples[0];
    if (!first || first.at === now || first.remaining <= remaining) return null;
    const perSec = (first.remaining - remaining) / ((now - first.at) / 1000);
    return Math.round(remaining / perSec);
  }
}
