// The manager, assembled: the active cluster (local nodes or an attach profile), its live view,
// the logs, and the control API. Electron's main process and web mode both start it from here.
import path from 'node:path';
import { ApiError } from '../../node-runtime/common/errors';
import type { ClusterSnapshot, JournalRecord } from '../../node-runtime/common/manager-api';
import { AttachedCluster } from './clusters/attached-cluster';
import { newToken } from './control-api/auth';
import type { RestartPolicyOptions } from './supervision/backoff';
import type { Clock } from './supervision/clock';
import type { ClusterBackend } from './clusters/cluster-backend';
import { ClusterLock, type Holder } from './supervision/cluster-lock';
import { ClusterOps } from './clusters/cluster-ops';
import { ClusterView } from './cluster-view/cluster-view';
import { startControlServer, type ControlContext, type ControlServer } from './control-api/control-api';
import { EventBus } from './cluster-view/event-bus';
import { ChartHistory } from './cluster-view/chart-history';
import { EventJournal } from './cluster-view/event-journal';
import type { Launcher, NodeCommand } from './supervision/launcher';
import { LocalCluster } from './supervision/local-cluster';
import { LogStore } from './cluster-view/log-store';
import { LOCAL_PROFILE, ProfileStore } from './clusters/profiles';
import { WatchedFolders } from './watched/watched-folders';
import { nodeCluster } from './watched/watched-remote';


/** The subset of pino the manager uses for its own log (never for secrets). */
export interface ManagerLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

const silentLogger: ManagerLogger = { info: () => {}, warn: () => {}, error: () => {} };

export interface ManagerOptions {
  /** The app's data dir: cluster.json, cluster.secret, profiles.json, node-<id>/. */
  readonly dataDir: string;
  readonly launcher: Launcher;
  readonly command: NodeCommand;
  /** Built dashboard to serve at `/`; null serves none (404 with a hint). */
  readonly rendererDir: string | null;
  /** Size of a new local cluster (default 3); an existing cluster.json wins. */
  readonly nodeCount?: number;
  /** Try ports 8081.. and 3030.. first (default true). */
  readonly seedPorts?: boolean;
  /** Control API port (default 0: any free port). */
  readonly apiPort?: number;
  /** The nodes' base environment (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly nodeLogLevel?: string;
  /**
   * Own the watched folders (`<dataDir>/watched-folders.json`) and serve them at
   * `/api/watched-folders` (default false; web mode and the desktop app both turn it on).
   */
  readonly watchFolders?: boolean;
  /** Who takes the cluster lock, as a second start names it (default web mode). */
  readonly holder?: Holder;
  readonly logger?: ManagerLogger;
  readonly clock?: Clock;
  readonly policy?: RestartPolicyOptions;
  readonly stopTimeoutMs?: number;
  readonly startTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  /** How often to poll for a few seconds after a change (tests set it to rely on pushed events alone). */
  readonly fastPollIntervalMs?: number;
  /** How long a poll waits for a node's answer. */
  readonly pollTimeoutMs?: number;
}

export class Manager {
  readonly bus = new EventBus();
  readonly logs = new LogStore(this.bus);
  readonly profiles: ProfileStore;
  private active!: { backend: ClusterBackend; view: ClusterView; ops: ClusterOps };
  private watched: WatchedFolders | null = null;
  private local: LocalCluster | null = null;
  private server: ControlServer | null = null;
  private readonly logger: ManagerLogger;
  private journal: EventJournal | null = null;
  private chartHistory: ChartHistory | null = null;
  /** Profile switches run one at a time. */
  private switching: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: ManagerOptions,
    private readonly lock: ClusterLock,
  ) {
    this.profiles = new ProfileStore(options.dataDir);
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Takes the cluster lock (ClusterBusyError names the live owner when another process manages
   * this data dir), brings up the saved active profile's cluster (local nodes by default), then
   * the control API, whose URL goes into the hand-over file for a second start to open.
   */
  static async start(options: ManagerOptions): Promise<Manager> {
    const lock = await ClusterLock.acquire(options.dataDir, options.holder ?? 'web');
    const manager = new Manager(options, lock);
    try {
      await manager.openJournal();
      await manager.enter(await manager.profiles.active());
    } catch (err) {
      await lock.release();
      throw err;
    }
    try {
      await manager.openServices(options);
      await lock.announceDashboard(manager.port, manager.dashboardUrl);
    } catch (err) {
      // Nodes nobody can reach through a control API would be orphans-to-be: take them down again.
      await manager.watched?.close();
      await manager.leave();
      await lock.release();
      throw err;
    }
    manager.logger.info({ port: manager.port, profile: manager.active.backend.profile }, 'manager started');
    return manager;
  }

  /**
   * Everything the dashboard is told of the cluster goes into the journal too (replay), and what
   * the charts read into their hour of history.
   */
  private async openJournal(): Promise<void> {
    const journal = await EventJournal.open(path.join(this.options.dataDir, 'journal'));
    const chartHistory = await ChartHistory.open(path.join(this.options.dataDir, 'chart-history'));
    this.journal = journal;
    this.chartHistory = chartHistory;
    this.bus.subscribe((event) => {
      let record: JournalRecord;
      if (event.name === 'snapshot') record = { at: event.data.updatedAt, name: 'snapshot', data: event.data };
      else if (event.name === 'nodeEvent') record = { at: Date.now(), name: 'nodeEvent', data: event.data };
      else if (event.name === 'leaderChange') record = { at: event.data.time, name: 'leaderChange', data: event.data };
      else return;
      journal.append(record);
      chartHistory.record(record);
    });
  }

  /** Watched folders and the control API, once the cluster is up. */
  private async openServices(options: ManagerOptions): Promise<void> {
    if (options.watchFolders) {
      // Files go to whichever cluster is active, through the leader when one is known.
      this.watched = await WatchedFolders.open({
        stateFile: path.join(options.dataDir, 'watched-folders.json'),
        cluster: nodeCluster(() => this.active.ops.passthroughTarget().httpUrl, () => this.active.ops.access),
        forbiddenRoots: [options.dataDir],
      });
      this.watched.onChange((folders) => this.bus.emit('watchedFolders', folders));
    }
    const context: ControlContext = {
      bus: this.bus,
      logs: this.logs,
      profiles: this.profiles,
      watchedFolders: this.watched,
      rendererDir: options.rendererDir,
      snapshot: () => this.snapshot(),
      journal: this.journal,
      chartHistory: this.chartHistory,
      backend: () => this.active.backend,
      ops: () => this.active.ops,
      activate: (profile) => this.activate(profile),
      onInternalError: (err, where) => this.logger.error({ err, where }, 'control API request failed'),
    };
    const port = options.apiPort ?? 0;
    try {
      this.server = await startControlServer(context, newToken(), port);
    } catch (err) {
      throw new Error(`the control API could not listen on 127.0.0.1:${port}: ${(err as Error).message}`);
    }
  }

  /** Null unless started with `watchFolders`. */
  get watchedFolders(): WatchedFolders | null {
    return this.watched;
  }

  get port(): number {
    return this.requireServer().port;
  }

  get token(): string {
    return this.requireServer().token;
  }

  /** The URL to open the dashboard with (it carries the token: print it only to the user). */
  get dashboardUrl(): string {
    return `http://127.0.0.1:${this.port}/?token=${this.token}`;
  }

  snapshot(): ClusterSnapshot {
    return this.active.view.snapshot();
  }

  activate(profile: string): Promise<void> {
    const next = this.switching.then(async () => {
      if (profile === this.active.backend.profile) return;
      if (profile !== LOCAL_PROFILE) await this.profiles.attachProfile(profile);
      await this.leave();
      await this.enter(profile);
      await this.profiles.setActive(profile);
    });
    this.switching = next.catch(() => {});
    return next;
  }

  /** Stops the nodes gracefully (SIGTERM, bound, SIGKILL) and closes the control API. */
  async stop(): Promise<void> {
    await this.server?.close();
    this.server = null;
    await this.watched?.close();
    this.watched = null;
    await this.leave();
    await this.journal?.close();
    await this.chartHistory?.close();
    // Only once the nodes are gone: a next manager may then treat whatever is left as leftovers.
    await this.lock.release();
    this.logger.info({}, 'manager stopped');
  }

  private async enter(profile: string): Promise<void> {
    let backend: ClusterBackend;
    if (profile === LOCAL_PROFILE) {
      this.local ??= new LocalCluster({
        dataDir: this.options.dataDir,
        lock: this.lock,
        nodeCount: this.options.nodeCount ?? 3,
        seedPorts: this.options.seedPorts ?? true,
        launcher: this.options.launcher,
        command: this.options.command,
        logs: this.logs,
        env: this.options.env ?? process.env,
        logLevel: this.options.nodeLogLevel,
        clock: this.options.clock,
        policy: this.options.policy,
        stopTimeoutMs: this.options.stopTimeoutMs,
        startTimeoutMs: this.options.startTimeoutMs,
      });
      backend = this.local;
    } else {
      const saved = await this.profiles.attachProfile(profile);
      backend = new AttachedCluster(saved.name, saved.nodes, saved);
    }
    await backend.start();
    const view = new ClusterView(backend, this.bus, { pollIntervalMs: this.options.pollIntervalMs, fastPollIntervalMs: this.options.fastPollIntervalMs, pollTimeoutMs: this.options.pollTimeoutMs });
    view.start();
    this.active = { backend, view, ops: new ClusterOps(backend, view) };
    this.logger.info({ profile, mode: backend.mode }, 'cluster profile active');
  }

  private async leave(): Promise<void> {
    if (!this.active) return;
    // The view keeps watching while the nodes stop, so their last states are published.
    await this.active.backend.stop();
    this.active.view.stop();
  }

  private requireServer(): ControlServer {
    if (!this.server) throw new ApiError('unavailable', 'the manager is not running');
    return this.server;
  }
}
