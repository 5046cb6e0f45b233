// Supervises one node process: launch, the ready handshake, restarts with backoff after crashes,
// the crash-loop breaker, graceful stop (SIGTERM, a bound, SIGKILL) and the user's fault actions.
// Every transition is published with its reason, so the dashboard shows why a node is where it is.
import { ApiError } from '../../../node-runtime/common/errors';
import { nodeEventSchema, type NodeEvent } from '../../../node-runtime/common/node-events';
import type { LogLevel, LogLine, ProcessInfo, ProcessState } from '../../../node-runtime/common/manager-api';
import { defaultRestartPolicy, RestartPolicy, type RestartPolicyOptions } from './backoff';
import { systemClock, type Clock, type TimerId } from './clock';
import type { ExitInfo, Launcher, LaunchSpec, NodeHandle } from './launcher';
import { forEachLine, parseLogLine } from './log-lines';

export interface SupervisorOptions {
  readonly nodeId: number;
  readonly launcher: Launcher;
  /** Called at every (re)start, so a restart picks up membership changes. */
  readonly launchSpec: () => LaunchSpec;
  /** Answers whether the node's HTTP server serves (`GET /livez`); a fallback to the IPC handshake. */
  readonly probeLive: () => Promise<boolean>;
  readonly onLog: (line: LogLine) => void;
  /** The node's pushed events (common/node-events.ts) from its current process. */
  readonly onNodeEvent?: (event: NodeEvent) => void;
  /** The current process's IPC channel (its event stream) closed. */
  readonly onEventStreamEnd?: () => void;
  readonly clock?: Clock;
  readonly policy?: RestartPolicyOptions;
  /** How long a node gets between SIGTERM and SIGKILL. */
  readonly stopTimeoutMs?: number;
  /** A node not serving this long after launch is killed and counts as crashed. */
  readonly startTimeoutMs?: number;
  readonly probeIntervalMs?: number;
}

type Listener = (info: ProcessInfo, previous: ProcessState) => void;

/** The IPC message a node sends once its HTTP server listens. */
function isListeningMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'listening';
}

/** The event in a `{ type: 'nodeEvent', event }` IPC message, when it is one and well-formed. */
function nodeEventOf(message: unknown): NodeEvent | null {
  if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'nodeEvent') return null;
  const parsed = nodeEventSchema.safeParse((message as { event?: unknown }).event);
  return parsed.success ? parsed.data : null;
}

export function describeExit(exit: ExitInfo, spawnError?: Error): string {
  if (spawnError) return `could not be started: ${spawnError.message}`;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}

export class NodeSupervisor {
  readonly nodeId: number;
  private readonly clock: Clock;
  private readonly policy: RestartPolicy;
  private readonly stopTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly probeIntervalMs: number;
  private readonly listeners = new Set<Listener>();

  private state: ProcessState = 'stopped';
  private reason = 'not started';
  private startedAt: number | null = null;
  private restarts = 0;
  private nextRestartAt: number | null = null;
  private handle: NodeHandle | null = null;
  private timers = new Set<TimerId>();
  /** Set before a SIGKILL we send ourselves, so the exit reads as the user's kill or our timeout. */
  private killCause: { readonly reason: string; readonly countsTowardLoop: boolean; readonly byUser?: true } | null = null;
  private stopping: Promise<void> | null = null;
  private resolveStop: (() => void) | null = null;
  private shuttingDown = false;

  constructor(private readonly options: SupervisorOptions) {
    this.nodeId = options.nodeId;
    this.clock = options.clock ?? systemClock;
    this.policy = new RestartPolicy(options.policy ?? defaultRestartPolicy);
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.probeIntervalMs = options.probeIntervalMs ?? 250;
  }

  info(): ProcessInfo {
    const live = this.state === 'starting' || this.state === 'running' || this.state === 'paused' || this.state === 'stopping';
    return {
      state: this.state,
      reason: this.reason,
      pid: live ? (this.handle?.pid ?? null) : null,
      startedAt: live ? this.startedAt : null,
      restarts: this.restarts,
      nextRestartAt: this.state === 'backoff' ? this.nextRestartAt : null,
    };
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the node; from `backoff` it restarts now, from `errored` it forgets the crash history. */
  start(): void {
    this.shuttingDown = false;
    switch (this.state) {
      case 'starting':
      case 'running':
      case 'paused':
        return;
      case 'stopping':
        throw new ApiError('conflict', `node ${this.nodeId} is stopping; start it once it has stopped`);
      case 'backoff':
        this.clearTimers();
        this.restarts += 1;
        this.launch('started by user during backoff');
        return;
      default:
        this.policy.reset();
        this.launch(this.state === 'stopped' && this.startedAt === null && this.restarts === 0 ? 'launched' : 'started by user');
    }
  }

  /** Graceful stop: SIGTERM, then SIGKILL after the bound. Resolves once the process is gone. */
  stop(reason = 'stopped by user'): Promise<void> {
    switch (this.state) {
      case 'stopping':
        return this.stopping ?? Promise.resolve();
      case 'starting':
      case 'running':
      case 'paused': {
        const handle = this.handle;
        if (!handle) throw new Error(`node ${this.nodeId} is ${this.state} without a process (supervisor bug)`);
        this.stopping = new Promise<void>((resolve) => {
          this.resolveStop = resolve;
        });
        const wasPaused = this.state === 'paused';
        this.clearTimers();
        this.set('stopping', `${reason} (SIGTERM)`);
        handle.kill('SIGTERM');
        // A stopped process keeps SIGTERM pending until it runs again.
        if (wasPaused) handle.kill('SIGCONT');
        this.after(this.stopTimeoutMs, () => {
          if (this.handle !== handle) return;
          this.killCause = { reason: `${reason} (SIGKILL after ${this.stopTimeoutMs} ms)`, countsTowardLoop: false };
          handle.kill('SIGKILL');
        });
        return this.stopping;
      }
      default:
        this.clearTimers();
        if (this.state !== 'stopped') this.set('stopped', reason);
        return Promise.resolve();
    }
  }

  /** Stops for good: no restart happens afterwards, whatever exits. */
  shutdown(): Promise<void> {
    this.shuttingDown = true;
    return this.stop('manager shutting down');
  }

  /** A crash on demand: SIGKILL, then the usual backoff (never counted toward the crash loop). */
  kill(): void {
    const handle = this.requireProcess('kill');
    this.killCause = { reason: 'killed by user (SIGKILL)', countsTowardLoop: false, byUser: true };
    handle.kill('SIGKILL');
  }

  async restart(): Promise<void> {
    if (this.state === 'starting' || this.state === 'running' || this.state === 'paused' || this.state === 'stopping') {
      await this.stop('restarting');
    }
    this.restarts += 1;
    this.policy.reset();
    this.clearTimers();
    this.launch('restarted by user');
  }

  pause(): void {
    if (this.state !== 'running') throw new ApiError('conflict', `node ${this.nodeId} is ${this.state}; only a running node can be paused`);
    this.requireProcess('pause').kill('SIGSTOP');
    this.set('paused', 'paused by user (SIGSTOP)');
  }

  resume(): void {
    if (this.state !== 'paused') throw new ApiError('conflict', `node ${this.nodeId} is ${this.state}, not paused`);
    this.requireProcess('resume').kill('SIGCONT');
    this.set('running', 'resumed by user (SIGCONT)');
  }

  private requireProcess(action: string): NodeHandle {
    const live = this.state === 'starting' || this.state === 'running' || this.state === 'paused';
    if (!live || !this.handle) {
      throw new ApiError('conflict', `cannot ${action} node ${this.nodeId}: it is ${this.state} (${this.reason})`);
    }
    return this.handle;
  }

  private launch(reason: string): void {
    let handle: NodeHandle;
    try {
      handle = this.options.launcher.launch(this.options.launchSpec());
    } catch (err) {
      // Runs from timers too: a throw here would take the whole manager down.
      this.handle = null;
      this.set('errored', `could not be launched: ${(err as Error).message}`);
      return;
    }
    this.handle = handle;
    this.killCause = null;
    this.startedAt = this.clock.now();
    this.set('starting', reason);
    const onLine = (source: 'stdout' | 'stderr') => (text: string) =>
      this.options.onLog(parseLogLine(this.nodeId, source, text, this.clock.now()));
    if (handle.stdout) forEachLine(handle.stdout, onLine('stdout'));
    if (handle.stderr) forEachLine(handle.stderr, onLine('stderr'));
    handle.onMessage((message) => {
      if (this.handle !== handle) return;
      if (isListeningMessage(message)) this.markReady(handle, 'ready: announced it is listening');
      const event = nodeEventOf(message);
      if (event !== null) this.options.onNodeEvent?.(event);
    });
    handle.onDisconnect?.(() => {
      if (this.handle === handle) this.options.onEventStreamEnd?.();
    });
    handle.onExit((exit, spawnError) => this.onExit(handle, exit, spawnError));
    this.after(this.startTimeoutMs, () => {
      if (this.handle !== handle || this.state !== 'starting') return;
      this.killCause = { reason: `did not serve within ${this.startTimeoutMs} ms`, countsTowardLoop: true };
      handle.kill('SIGKILL');
    });
    this.probeUntilReady(handle);
  }

  /** Polls `/livez` while starting: a node that never sends the IPC handshake is still seen. */
  private probeUntilReady(handle: NodeHandle): void {
    this.after(this.probeIntervalMs, () => {
      if (this.handle !== handle || this.state !== 'starting') return;
      void this.options.probeLive().then(
        (live) => {
          if (live) this.markReady(handle, 'ready: answers /livez');
          else this.probeUntilReady(handle);
        },
        () => this.probeUntilReady(handle),
      );
    });
  }

  private markReady(handle: NodeHandle, reason: string): void {
    if (this.handle !== handle || this.state !== 'starting') return;
    this.set('running', reason);
  }

  private onExit(handle: NodeHandle, exit: ExitInfo, spawnError?: Error): void {
    if (this.handle !== handle) return;
    this.handle = null;
    this.clearTimers();
    const now = this.clock.now();
    const uptimeMs = now - (this.startedAt ?? now);
    const how = describeExit(exit, spawnError);
    const cause = this.killCause;
    this.killCause = null;

    if (this.state === 'stopping' || this.shuttingDown) {
      const base = this.state === 'stopping' ? this.reason.replace(/ \(SIGTERM\)$/, '') : 'manager shutting down';
      this.set('stopped', cause ? cause.reason : `${base}; ${how}`);
      this.resolveStop?.();
      this.resolveStop = null;
      this.stopping = null;
      return;
    }

    const crashReason = cause?.reason ?? how;
    // A kill the user asked for is their action, not a failure: no "crashed", no error line.
    if (cause?.byUser !== true) this.set('crashed', crashReason);
    const decision = this.policy.onExit(now, uptimeMs, cause?.countsTowardLoop ?? true);
    if (decision.kind === 'giveUp') {
      this.set('errored', `crashed ${decision.crashes} times within ${decision.windowMs / 1000} s (last: ${crashReason}); start it to try again`);
      return;
    }
    this.nextRestartAt = now + decision.delayMs;
    this.set('backoff', `${crashReason}; restarting in ${decision.delayMs} ms`, cause?.byUser === true ? 'info' : 'warn');
    this.after(decision.delayMs, () => {
      if (this.state !== 'backoff') return;
      this.restarts += 1;
      this.launch(`restart after: ${crashReason}`);
    });
  }

  private set(state: ProcessState, reason: string, level: LogLevel = state === 'crashed' || state === 'errored' ? 'error' : 'info'): void {
    const previous = this.state;
    this.state = state;
    this.reason = reason;
    if (state !== 'backoff') this.nextRestartAt = null;
    this.options.onLog({
      nodeId: this.nodeId,
      source: 'manager',
      time: this.clock.now(),
      level,
      msg: `node ${this.nodeId} ${state}: ${reason}`,
      fields: { state, reason, pid: this.handle?.pid ?? null },
    });
    const info = this.info();
    for (const listener of this.listeners) listener(info, previous);
  }

  private after(delayMs: number, callback: () => void): void {
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      callback();
    }, delayMs);
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) this.clock.clearTimeout(timer);
    this.timers.clear();
  }
}
