// Lock expiry in log time. The state machine drops a lease only when an applied entry's time has
// passed its end, so on a quiet cluster an expired lease would linger in the replicated state
// (in snapshots, in GET /locks of a node whose clock lags). The leader therefore proposes a `tick`
// — an entry carrying only its clock — as soon as some lease has ended by its wall clock, and
// every replica drops the lease at that same entry.
import type { Clock } from '../ports';
import type { RunResult } from './service-runs';

export interface LockExpirySources {
  readonly isLeader: () => boolean;
  /** End times of the leases in the state machine (ms since the epoch). */
  readonly leaseEnds: () => Iterable<number>;
  /** Proposes a tick stamped `at`; resolves with the names of the leases it ended. */
  readonly proposeTick: (at: number) => Promise<readonly string[]>;
  readonly clock: Clock;
}

export class LockExpiry {
  private expiredTotal = 0;

  constructor(private readonly sources: LockExpirySources) {}

  /** Proposes a tick when this node leads and a lease has ended; null when there was nothing to do. */
  async check(): Promise<RunResult | null> {
    if (!this.sources.isLeader()) return null;
    const now = this.sources.clock.now();
    let due = false;
    for (const end of this.sources.leaseEnds()) {
      if (end <= now) {
        due = true;
        break;
      }
    }
    if (!due) return null;
    const expired = await this.sources.proposeTick(now);
    this.expiredTotal += expired.length;
    return { expired: expired.length, names: expired.slice(0, 10).join(', '), expiredTotal: this.expiredTotal };
  }
}
