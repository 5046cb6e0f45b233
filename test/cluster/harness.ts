// Real dfs-node processes on free loopback ports with temp data directories, for the cluster and
// API suites. Everything waits by polling with a deadline; nothing sleeps for luck.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pickPort } from '../../electron/manager/supervision/ports';
import { nodeProgram, repoRoot } from '../support/node-program';
import { waitFor } from '../support/wait-for';

/** Re-exported: the cluster suites import their one poll helper and the repository's root from here with the rest. */
export { repoRoot, waitFor };


const handedOut = new Set<number>();

/**
 * A free loopback port for a process to bind a moment later, below the ephemeral range (the
 * manager's pickPort: a listen(0) port can become an outgoing connection's local port before the
 * node binds it, as one did in a CI rehearsal right after a test full of HTTP traffic).
 */
export function freePort(): Promise<number> {
  return pickPort(handedOut);
}

export interface TestNode {
  readonly id: number;
  readonly index: number;
  readonly httpPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  readonly url: string;
  process: ChildProcess | null;
}

export interface ClusterOptions {
  readonly nodes?: number;
  readonly faultInjection?: boolean;
  readonly secret?: string;
  readonly extraArgs?: (node: TestNode) => string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Sent with the harness's own requests (/livez, /leader), e.g. a client token the nodes require. */
  readonly probeHeaders?: Record<string, string>;
  /** Runs before a node's first start, e.g. to copy a fixture data directory into place. */
  readonly beforeFirstStart?: (node: TestNode, clusterFlag: string) => Promise<void>;
  /**
   * The program that runs dfs-node, then arguments before the flags (default: `nodeProgram()`, this
   * run's bundle); per node when a function (a mixed-version cluster), asked again at every (re)start.
   */
  readonly command?: readonly string[] | ((node: TestNode) => readonly string[]);
  /** The nodes serve HTTPS (their --tls-* flags come with extraArgs); the harness's probes use this fetch, which trusts their CA. */
  readonly https?: { readonly fetch: typeof fetch };
}

export class TestCluster {
  readonly secret: string;

  private constructor(
    readonly dir: string,
    readonly nodes: TestNode[],
    private readonly options: ClusterOptions,
  ) {
    this.secret = options.secret ?? 'test-cluster-secret';
  }

  static async start(options: ClusterOptions = {}): Promise<TestCluster> {
    const count = options.nodes ?? 3;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-cluster-'));
    const nodes: TestNode[] = [];
    for (let index = 0; index < count; index++) {
      const httpPort = await freePort();
      const peerPort = await freePort();
      nodes.push({ id: index + 1, index, httpPort, peerPort, dataDir: path.join(dir, `node-${index + 1}`), url: `${options.https ? 'https' : 'http'}://127.0.0.1:${httpPort}`, process: null });
    }
    const cluster = new TestCluster(dir, nodes, options);
    for (const node of nodes) await options.beforeFirstStart?.(node, cluster.clusterFlag);
    try {
      for (const node of nodes) cluster.spawn(node);
      await Promise.all(nodes.map((n) => cluster.waitLive(n)));
    } catch (err) {
      // No caller holds the cluster to stop it: without this a node slow to start outlives the test run.
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get clusterFlag(): string {
    return this.nodes.map((n) => `${n.id},127.0.0.1:${n.peerPort}`).join(';');
  }

  node(id: number): TestNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  /** Starts (or restarts) a node process with the same ports and data directory. */
  spawn(node: TestNode): ChildProcess {
    const command = typeof this.options.command === 'function' ? this.options.command(node) : this.options.command;
    const [program, ...prefix] = command ?? nodeProgram();
    const args = [...prefix, '--node', String(node.index), '--http', `127.0.0.1:${node.httpPort}`, '--cluster', this.clusterFlag, '--data-dir', node.dataDir];
    if (this.options.faultInjection) args.push('--fault-injection');
    args.push(...(this.options.extraArgs?.(node) ?? []));
    const child = spawn(program!, args, {
      cwd: repoRoot,
      env: { ...process.env, DFS_CLUSTER_SECRET: this.secret, LOG_LEVEL: 'info', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logFile = path.join(this.dir, `node-${node.id}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    // A node that exits by itself (not killed by the test) has crashed: show why in the test output.
    child.once('exit', (code) => {
      if (code === null || code === 0) return;
      log.once('close', () => console.error(`node ${node.id} exited with code ${code}; the end of its log:\n${this.logTail(node, 15)}`));
    });
    node.process = child;
    return child;
  }

  private get fetch(): typeof fetch {
    return this.options.https?.fetch ?? fetch;
  }

  /** Waits for the node to answer /livez; fails at once if its process exits, and with its log's end if it never answers. */
  async waitLive(node: TestNode, timeoutMs = 20_000): Promise<void> {
    const exitedEarly = (): boolean => node.process !== null && (node.process.exitCode !== null || node.process.signalCode !== null);
    let exited = false;
    try {
      await waitFor(
        `node ${node.id} to serve /livez`,
        async () => {
          exited = exitedEarly();
          return exited || (await this.fetch(`${node.url}/livez`, { headers: this.options.probeHeaders })).ok;
        },
        timeoutMs,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; the process is ${exitedEarly() ? 'gone' : 'running'}; the end of its log:\n${this.logTail(node)}`);
    }
    if (exited) throw new Error(`node ${node.id} exited (${node.process?.exitCode ?? node.process?.signalCode}) before serving /livez; the end of its log:\n${this.logTail(node)}`);
  }

  private logTail(node: TestNode, lines = 20): string {
    try {
      return readFileSync(path.join(this.dir, `node-${node.id}.log`), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(its log is gone)';
    }
  }

  /** The leader every running node agrees on. */
  async waitForLeader(timeoutMs = 15_000, among: readonly TestNode[] = this.running()): Promise<TestNode> {
    const id = await waitFor(
      'one leader that every running node reports',
      async () => {
        const views = await Promise.all(among.map(async (n) => (await (await this.fetch(`${n.url}/leader`, { headers: this.options.probeHeaders })).json()) as { leaderId: number | null }));
        const first = views[0]?.leaderId;
        // A leader that is not among the nodes asked (e.g. just killed) does not count.
        const candidate = among.find((n) => n.id === first);
        return candidate && views.every((v) => v.leaderId === first) ? first : undefined;
      },
      timeoutMs,
    );
    return this.node(id);
  }

  running(): TestNode[] {
    return this.nodes.filter((n) => n.process && n.process.exitCode === null && n.process.signalCode === null);
  }

  followers(leader: TestNode): TestNode[] {
    return this.running().filter((n) => n.id !== leader.id);
  }

  /** Kills a node (SIGKILL by default) and waits until the process is gone. */
  async kill(node: TestNode, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = node.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async restart(node: TestNode): Promise<void> {
    await this.kill(node);
    this.spawn(node);
    await this.waitLive(node);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n)));
    if (!process.env.KEEP_TEST_CLUSTER) await rm(this.dir, { recursive: true, force: true });
  }
}

/** A started cluster, the leader every node agrees on, and one follower: most test files' set-up. */
export async function startWithLeader(options: ClusterOptions = {}): Promise<{ cluster: TestCluster; leader: TestNode; follower: TestNode }> {
  const cluster = await TestCluster.start(options);
  const leader = await cluster.waitForLeader();
  return { cluster, leader, follower: cluster.followers(leader)[0] as TestNode };
}

/** A request with a JSON answer; bounded in time so a stalled server fails the test, not the hook. */
export async function json<T = unknown>(url: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000), ...init });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

/** The state-machine format of `node`'s newest snapshot file (the byte after its metadata), or null with none. */
export async function newestSnapshotFormat(node: TestNode): Promise<number | null> {
  const dir = path.join(node.dataDir, 'snapshots');
  const names = (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.snap')).sort();
  const newest = names[names.length - 1];
  if (newest === undefined) return null;
  const bytes = await readFile(path.join(dir, newest));
  return bytes[8 + 4 + bytes.readUInt32LE(8)] ?? null;
}
