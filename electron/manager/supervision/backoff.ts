// When to restart a crashed node: capped exponential backoff that forgets after a stable run, and
// a crash-loop breaker that gives up after too many crashes in a window. Pure: time comes in as
// arguments, so the schedule is testable without clocks.

export interface RestartPolicyOptions {
  /** First delay after a crash. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** A run at least this long counts as stable and resets the backoff. */
  readonly stableAfterMs: number;
  /** This many crashes within `crashWindowMs` mark the node errored. */
  readonly maxCrashes: number;
  readonly crashWindowMs: number;
}

export const defaultRestartPolicy: RestartPolicyOptions = {
  initialDelayMs: 100,
  maxDelayMs: 15_000,
  stableAfterMs: 30_000,
  maxCrashes: 5,
  crashWindowMs: 60_000,
};

export type RestartDecision =
  | { readonly kind: 'restart'; readonly delayMs: number }
  | { readonly kind: 'giveUp'; readonly crashes: number; readonly windowMs: number };

export class RestartPolicy {
  private consecutive = 0;
  private crashTimes: number[] = [];

  constructor(private readonly options: RestartPolicyOptions = defaultRestartPolicy) {}

  /**
   * Records an unexpected exit at `now` after a run of `uptimeMs`. `countsTowardLoop` is false for
   * kills the user asked for: they back off like crashes but never trip the breaker.
   */
  onExit(now: number, uptimeMs: number, countsTowardLoop = true): RestartDecision {
    const o = this.options;
    if (uptimeMs >= o.stableAfterMs) this.consecutive = 0;
    if (countsTowardLoop) {
      this.crashTimes = this.crashTimes.filter((t) => now - t < o.crashWindowMs);
      this.crashTimes.push(now);
      if (this.crashTimes.length >= o.maxCrashes) {
        return { kind: 'giveUp', crashes: this.crashTimes.length, windowMs: o.crashWindowMs };
      }
    }
    const delayMs = Math.min(o.initialDelayMs * 2 ** this.consecutive, o.maxDelayMs);
    this.consecutive += 1;
    return { kind: 'restart', delayMs };
  }

  /** Forgets all history: a start the user asked for begins with a clean slate. */
  reset(): void {
    this.consecutive = 0;
    this.crashTimes = [];
  }
}
