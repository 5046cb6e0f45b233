// The last run of each background service (scrubber, gc, lockExpiry, repair, snapshot), as
// GET /recovery/status shows it under `backgroundServices`, and a small periodic runner that
// records into it. A run never overlaps the previous one of the same service, and a failing run
// is recorded, logged by the caller and retried at the next period: a background service never
// takes the node down.
import type { BackgroundService } from '../common/api-types';
import type { Clock } from '../ports';

/** What a run reports beyond timing: small counters a person can read ("removed: 3"). */
export type RunResult = Readonly<Record<string, number | string | boolean | null>>;

/** One service's entry: the shared schema's fields plus whether it runs now and what it found. */
export interface ServiceRun extends BackgroundService {
  readonly running: boolean;
  /** Counters of the last run that succeeded; null before one did. */
  readonly lastResult: RunResult | null;
}

export class ServiceRuns {
  private readonly runs = new Map<string, ServiceRun>();

  constructor(private readonly clock: Clock) {}

  /** Registers a service so it is listed (with null fields) before its first run. */
  register(name: string): void {
    if (!this.runs.has(name)) this.runs.set(name, { lastRunAt: null, lastDurationMs: null, lastError: null, running: false, lastResult: null });
  }

  started(name: string): void {
    this.register(name);
    this.update(name, { running: true });
  }

  succeeded(name: string, startedAt: number, result: RunResult, finishedAt = this.clock.now()): void {
    this.update(name, {
      running: false,
      lastRunAt: new Date(startedAt).toISOString(),
      lastDurationMs: Math.max(0, finishedAt - startedAt),
      lastError: null,
      lastResult: result,
    });
  }

  /** The run found nothing to do: the previous run's record stays as it was. */
  skipped(name: string): void {
    this.update(name, { running: false });
  }

  failed(name: string, startedAt: number, error: Error, finishedAt = this.clock.now()): void {
    this.update(name, {
      running: false,
      lastRunAt: new Date(startedAt).toISOString(),
      lastDurationMs: Math.max(0, finishedAt - startedAt),
      lastError: error.message,
    });
  }

  /** Something that happened elsewhere (a snapshot the driver took), recorded as a run without a duration. */
  happened(name: string, at: number, result: RunResult): void {
    this.register(name);
    this.update(name, { running: false, lastRunAt: new Date(at).toISOString(), lastDurationMs: null, lastError: null, lastResult: result });
  }

  /** Runs `work` as one recorded run of `name`; resolves with its result or rejects with its error. */
  async record(name: string, work: () => Promise<RunResult>): Promise<RunResult> {
    const startedAt = this.clock.now();
    this.started(name);
    try {
      const result = await work();
      this.succeeded(name, startedAt, result);
      return result;
    } catch (err) {
      this.failed(name, startedAt, err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  get(name: string): ServiceRun | undefined {
    return this.runs.get(name);
  }

  /** Every registered service, keyed by name, in registration order. */
  all(): Record<string, ServiceRun> {
    return Object.fromEntries(this.runs);
  }

  private update(name: string, change: Partial<ServiceRun>): void {
    const current = this.runs.get(name);
    if (current) this.runs.set(name, { ...current, ...change });
  }
}

export interface PeriodicTaskOptions {
  readonly name: string;
  readonly runs: ServiceRuns;
  /** Pause between the end of one run and the start of the next, ms; read again after each run. */
  readonly intervalMs: () => number;
  /** Delay before the first run, ms (default: one interval). */
  readonly firstRunAfterMs?: number;
  /** One run; returns what it found. Returning null skips recording (nothing to do this time). */
  readonly run: () => Promise<RunResult | null>;
  readonly onError: (err: Error) => void;
  readonly clock: Clock;
}

/**
 * Runs a task every interval, one run at a time, recording each run; `runNow` starts one early.
 * The interval is read again every second (or every interval, when shorter), so a changed setting
 * takes effect without a restart.
 */
export class PeriodicTask {
  private cancelCheck: (() => void) | null = null;
  private current: Promise<void> | null = null;
  private stopped = false;
  private started = false;
  /** When the last run ended (or the task started); the next run is due one interval later. */
  private anchor = 0;
  private firstRun = true;

  constructor(private readonly options: PeriodicTaskOptions) {
    options.runs.register(options.name);
  }

  /** Starts the schedule; the first run is due one interval (or firstRunAfterMs) after `anchor` (default now). */
  start(anchor = this.options.clock.now()): void {
    if (this.started) return;
    this.started = true;
    this.anchor = anchor;
    this.check();
  }

  get running(): boolean {
    return this.current !== null;
  }

  /** Starts a run now unless one is running; false when one was already running or stopped. */
  runNow(): boolean {
    if (this.stopped || this.current) return false;
    this.firstRun = false;
    this.current = this.runOnce().finally(() => {
      this.current = null;
      this.anchor = this.options.clock.now();
    });
    return true;
  }

  /** Stops scheduling and waits for a run in progress to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelCheck?.();
    this.cancelCheck = null;
    await this.current;
  }

  private check(): void {
    if (this.stopped) return;
    const interval = this.options.intervalMs();
    const wait = this.firstRun && this.options.firstRunAfterMs !== undefined ? this.options.firstRunAfterMs : interval;
    if (!this.current && this.options.clock.now() >= this.anchor + wait) this.runNow();
    this.cancelCheck = this.options.clock.after(Math.max(10, Math.min(1_000, interval)), () => this.check());
  }

  private async runOnce(): Promise<void> {
    const { runs, name } = this.options;
    const startedAt = this.options.clock.now();
    runs.started(name);
    try {
      const result = await this.options.run();
      if (result === null) {
        runs.skipped(name);
        return;
      }
      runs.succeeded(name, startedAt, result);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      runs.failed(name, startedAt, error);
      this.options.onError(error);
    }
  }
}
