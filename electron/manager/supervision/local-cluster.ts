// Local mode: the manager owns the nodes. One supervisor per node in cluster.json, the secret
// handed over in the environment, a data directory per node, and the same cluster on every launch.
import { ApiError } from '../../../node-runtime/common/errors';
import type { AddedNode, NodeAction } from '../../../node-runtime/common/manager-api';
import type { RestartPolicyOptions } from './backoff';
import type { Clock } from './clock';
import type { ClusterBackend, MemberView } from '../clusters/cluster-backend';
import { ClusterSignals } from '../clusters/cluster-signals';
import type { ClusterLock } from './cluster-lock';
import { ClusterStore, type S3Credentials, type StoredCluster, type StoredNode } from './cluster-store';
import type { Launcher, LaunchSpec, NodeCommand } from './launcher';
import type { LogStore } from '../cluster-view/log-store';
import { NodeAccess } from '../clusters/node-access';
import { NodeClient } from '../clusters/node-client';
import { NodeSupervisor } from './node-supervisor';
import { findLeftoverNodes, killLeftoverNodes } from './leftover-nodes';
import { isPortFree, pickPort } from './ports';

export interface LocalClusterOptions {
  readonly dataDir: string;
  /** This process owns `dataDir`: only then are node processes running on it leftovers to kill. */
  readonly lock: ClusterLock;
  /** Size of a new cluster; an existing cluster.json wins. */
  readonly nodeCount: number;
  readonly seedPorts: boolean;
  readonly launcher: Launcher;
  readonly command: NodeCommand;
  readonly logs: LogStore;
  /** The nodes' environment before the secret is added (PATH and friends). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logLevel?: string;
  readonly faultInjection?: boolean;
  readonly clock?: Clock;
  readonly policy?: RestartPolicyOptions;
  readonly stopTimeoutMs?: number;
  readonly startTimeoutMs?: number;
}

const loopback = '127.0.0.1';

export class LocalCluster extends ClusterSignals implements ClusterBackend {
  readonly mode = 'local';
  readonly profile = 'local';
  private readonly store: ClusterStore;
  private cluster: StoredCluster = { version: 1, nextId: 1, nodes: [] };
  private clusterSecret: string | null = null;
  private s3: S3Credentials | null = null;
  private readonly supervisors = new Map<number, NodeSupervisor>();

  constructor(private readonly options: LocalClusterOptions) {
    super();
    this.store = new ClusterStore(options.dataDir);
  }

  /** Local nodes: plain HTTP on loopback, no client token; the secret this manager made for them. */
  readonly access = new NodeAccess({ ca: null, token: null, secret: () => this.clusterSecret, ownNodes: () => this.members() });

  /** The key pair the nodes' S3 endpoints accept (for the dashboard's "Connect a tool"); null before start. */
  get s3Credentials(): S3Credentials | null {
    return this.s3;
  }

  members(): MemberView[] {
    return this.cluster.nodes.map((node) => ({
      id: node.id,
      httpUrl: `http://${loopback}:${node.httpPort}`,
      peerAddress: `${loopback}:${node.peerPort}`,
      process: this.supervisors.get(node.id)?.info() ?? null,
    }));
  }

  async start(): Promise<void> {
    if (this.clusterSecret === null) {
      const loaded = await this.store.loadOrCreate({ nodeCount: this.options.nodeCount, seedPorts: this.options.seedPorts });
      this.cluster = loaded.cluster;
      this.clusterSecret = loaded.secret;
      this.s3 = await this.store.loadOrCreateS3Credentials();
      await this.reapLeftoverNodes();
      await this.moveBusyHttpPorts();
    }
    for (const node of this.cluster.nodes) this.supervisorFor(node).start();
    this.changed();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.supervisors.values()].map((s) => s.shutdown()));
  }

  async nodeAction(id: number, action: NodeAction): Promise<void> {
    const supervisor = this.supervisors.get(id);
    if (!supervisor) throw new ApiError('not_found', `no node ${id} in the local cluster`);
    switch (action) {
      case 'kill':
        return supervisor.kill();
      case 'stop':
        return supervisor.stop();
      case 'start':
        return supervisor.start();
      case 'restart':
        return supervisor.restart();
      case 'pause':
        return supervisor.pause();
      case 'resume':
        return supervisor.resume();
    }
  }

  async spawnJoiner(): Promise<AddedNode> {
    const taken = new Set(this.cluster.nodes.flatMap((n) => [n.httpPort, n.peerPort, n.s3Port ?? 0]));
    const node: StoredNode = {
      id: this.cluster.nextId,
      httpPort: await pickPort(taken),
      peerPort: await pickPort(taken),
      s3Port: await pickPort(taken),
      founder: false,
    };
    this.cluster = { ...this.cluster, nextId: node.id + 1, nodes: [...this.cluster.nodes, node] };
    await this.store.save(this.cluster);
    const supervisor = this.supervisorFor(node);
    supervisor.start();
    this.changed();
    await this.untilServing(supervisor);
    return { id: node.id, httpUrl: `http://${loopback}:${node.httpPort}`, peerAddress: `${loopback}:${node.peerPort}` };
  }

  async retire(id: number): Promise<void> {
    const supervisor = this.supervisors.get(id);
    if (!supervisor) throw new ApiError('not_found', `no node ${id} in the local cluster`);
    await supervisor.shutdown();
    this.supervisors.delete(id);
    this.cluster = { ...this.cluster, nodes: this.cluster.nodes.filter((n) => n.id !== id) };
    await this.store.save(this.cluster);
    await this.store.deleteNodeData(id);
    this.options.logs.forget(id);
    this.changed();
  }

  /**
   * Kills node processes still running on our data directories. Safe only under the cluster lock:
   * with it free or stale their manager is provably gone, while a live manager's nodes are
   * never seen here because its lock keeps us from starting at all.
   */
  private async reapLeftoverNodes(): Promise<void> {
    this.options.lock.assertHeld();
    const byDir = new Map(this.cluster.nodes.map((n) => [this.store.nodeDataDir(n.id), n.id]));
    const killed = await killLeftoverNodes(await findLeftoverNodes([...byDir.keys()]));
    for (const { pid, dataDir } of killed) {
      const nodeId = byDir.get(dataDir) ?? 0;
      this.options.logs.add({
        nodeId,
        source: 'manager',
        time: Date.now(),
        level: 'warn',
        msg: `node ${nodeId}: killed process ${pid} left over from an earlier manager`,
        fields: { pid },
      });
    }
  }

  /**
   * The HTTP and S3 ports only name the node to clients, so a taken one is replaced (and a node
   * from before S3 gets one); peer ports are the membership and stay.
   */
  private async moveBusyHttpPorts(): Promise<void> {
    const taken = new Set(this.cluster.nodes.flatMap((n) => [n.httpPort, n.peerPort, n.s3Port ?? 0]));
    let moved = false;
    const nodes: StoredNode[] = [];
    for (const node of this.cluster.nodes) {
      const httpPort = (await isPortFree(node.httpPort)) ? node.httpPort : await pickPort(taken);
      const s3Port = node.s3Port !== undefined && (await isPortFree(node.s3Port)) ? node.s3Port : await pickPort(taken);
      moved ||= httpPort !== node.httpPort || s3Port !== node.s3Port;
      nodes.push({ ...node, httpPort, s3Port });
    }
    if (moved) {
      this.cluster = { ...this.cluster, nodes };
      await this.store.save(this.cluster);
    }
  }

  private supervisorFor(node: StoredNode): NodeSupervisor {
    const existing = this.supervisors.get(node.id);
    if (existing) return existing;
    const client = new NodeClient(node.id, `http://${loopback}:${node.httpPort}`, this.access, 300);
    const supervisor = new NodeSupervisor({
      nodeId: node.id,
      launcher: this.options.launcher,
      launchSpec: () => this.launchSpec(node.id),
      probeLive: () => client.livez(),
      onLog: (line) => this.options.logs.add(line),
      onNodeEvent: (event) => this.nodeEvent(event),
      onEventStreamEnd: () => this.eventStream(node.id, false),
      clock: this.options.clock,
      policy: this.options.policy,
      stopTimeoutMs: this.options.stopTimeoutMs,
      startTimeoutMs: this.options.startTimeoutMs,
    });
    supervisor.onChange(() => this.changed());
    this.supervisors.set(node.id, supervisor);
    return supervisor;
  }

  /** Built at each launch from the current membership, so restarted nodes know every peer. */
  private launchSpec(id: number): LaunchSpec {
    const nodes = this.cluster.nodes;
    const index = nodes.findIndex((n) => n.id === id);
    const node = nodes[index];
    if (!node || this.clusterSecret === null) throw new Error(`node ${id} is not in the local cluster (supervisor outlived its node)`);
    const args = [
      '--node', String(index),
      '--http', `${loopback}:${node.httpPort}`,
      '--cluster', nodes.map((n) => `${n.id},${loopback}:${n.peerPort}`).join(';'),
      '--data-dir', this.store.nodeDataDir(id),
      ...(node.s3Port !== undefined ? ['--s3', `${loopback}:${node.s3Port}`] : []),
    ];
    if (this.options.faultInjection ?? true) args.push('--fault-injection');
    if (!node.founder) args.push('--join');
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.options.env)) if (value !== undefined) env[key] = value;
    env.DFS_CLUSTER_SECRET = this.clusterSecret;
    env.DFS_S3_CREDENTIALS_FILE = this.store.s3CredentialsFile;
    if (this.options.logLevel) env.LOG_LEVEL = this.options.logLevel;
    return { ...this.options.command, args, env, name: `dfs-node ${id}` };
  }

  private untilServing(supervisor: NodeSupervisor): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const { state, reason } = supervisor.info();
        if (state === 'running') resolve();
        else if (state === 'errored' || state === 'stopped') reject(new ApiError('unavailable', `new node ${supervisor.nodeId} did not start: ${reason}`));
        else return false;
        return true;
      };
      if (check()) return;
      const unsubscribe = supervisor.onChange(() => {
        if (check()) unsubscribe();
      });
    });
  }
}
