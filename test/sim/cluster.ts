// The simulated cluster: nodes, the network between them and the clock that drives both. It is
// the NodeEnv every SimNode talks to, and the one place that knows how messages find their node.

import pino from 'pino';
import type { DriverTestingKnobs } from '../../node-runtime/node/raft-driver';
import type { Logger } from 'pino';
import { MemoryStorage, RawNode } from '../../node-runtime/raft/index';
import type { LogStorage, Message, NodeId, RawNodeConfig, Ready, TestingKnobs } from '../../node-runtime/raft/index';
import type { CheckerOptions } from './invariants';
import { Checker } from './invariants';
import { Network } from './network';
import type { LinkFaults } from './network';
import type { Prng } from './prng';
import type { RaftSettings } from './scenario';
import { Scheduler } from './scheduler';
import { SimNode } from './sim-node';
import type { ClusterEvents, CrashPoint, NodeEnv } from './sim-node';
import type { Command } from './state-machine';
import { Trace } from './trace';

export interface ClusterOptions {
  readonly nodeIds: readonly NodeId[];
  readonly initialVoters: readonly NodeId[];
  readonly raft: RaftSettings;
  readonly knobs?: TestingKnobs;
  readonly driverKnobs?: DriverTestingKnobs;
  readonly tickInterval: number;
  readonly clockSkew?: number;
  readonly links: LinkFaults;
  readonly readyDelayMax: number;
  readonly diskSyncDelayMax?: number;
  readonly verbose?: boolean;
  readonly traceSink?: (line: string) => void;
  readonly checker?: CheckerOptions;
  /** Builds each core; tests substitute a broken RawNode subclass to show a check bites. */
  readonly coreFactory?: (config: RawNodeConfig) => RawNode;
}

export interface ClusterListeners {
  applied(node: NodeId, cmd: Command): void;
  readServed(node: NodeId, context: string): void;
}

export class Cluster implements NodeEnv {
  readonly scheduler = new Scheduler();
  readonly checker: Checker;
  readonly trace: Trace;
  readonly network: Network;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly events: ClusterEvents = { leaderElected: 0, snapshotInstalled: 0, confChangeApplied: 0 };
  listeners: ClusterListeners = { applied: () => {}, readServed: () => {} };
  /** Set by the fault injector while faults are on. */
  crashHook: (node: NodeId, rd: Ready) => CrashPoint | undefined = () => undefined;
  /** Set by the fault injector while faults are on: a node just crashed. */
  crashed: (node: NodeId) => void = () => undefined;
  readonly logger: Logger = pino({ level: 'silent' });
  /** The first check that failed inside a driver (drivers catch what their callbacks throw). */
  private failure: unknown;
  private readonly coreRandom: Prng;
  private readonly readyRandom: Prng;
  private readonly diskRandom: Prng | undefined;

  constructor(
    private readonly options: ClusterOptions,
    random: Prng,
  ) {
    const now = (): number => this.scheduler.now();
    this.checker = new Checker(now, options.checker);
    this.trace = new Trace(options.verbose ?? false, now, options.traceSink);
    this.coreRandom = random.fork();
    this.readyRandom = random.fork();
    this.network = new Network(
      this.scheduler,
      random.fork(),
      { deliver: (m) => this.deliver(m), lost: (m, cut) => this.lost(m, cut), closed: (from, to) => this.nodes.get(to)?.connectionClosed(from) },
      options.links,
    );
    const tickRandom = random.fork();
    // Forked only when used, so that runs without slow disks draw exactly as before.
    this.diskRandom = (options.diskSyncDelayMax ?? 0) > 0 ? random.fork() : undefined;
    for (const id of options.nodeIds) {
      // A node outside the initial configuration joins later with an empty disk, as a new server would.
      const disk = options.initialVoters.includes(id) ? MemoryStorage.withVoters(options.initialVoters) : new MemoryStorage();
      this.nodes.set(id, new SimNode(id, disk, this));
    }
    const skew = options.clockSkew ?? 0;
    for (const node of this.nodes.values()) {
      // Each node's clock starts at its own phase and runs at its own rate, so ticks interleave differently per seed.
      const interval = options.tickInterval + tickRandom.between(-skew, skew);
      this.scheduler.after(tickRandom.int(options.tickInterval), () => this.tickForever(node, interval));
    }
  }

  now(): number {
    return this.scheduler.now();
  }

  node(id: NodeId): SimNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`sim: no node n${id}`);
    return node;
  }

  upNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.up);
  }

  /** The node that believes it leads with the highest term, if any node does. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (n.up && n.role === 'leader' && (best === undefined || n.term > best.term)) best = n;
    }
    return best;
  }

  /** Runs simulated time up to `until` (or until `stop`), letting the drivers finish each step. */
  run(until: number, stop?: () => boolean): Promise<void> {
    return this.scheduler.runUntil(until, stop, () => this.settle());
  }

  fail(err: unknown): void {
    this.failure ??= err;
  }

  /**
   * The drivers carry out each Ready in promise continuations (their disk answers at once): run
   * them all before the next event, then once more for the callbacks the last one queued.
   */
  private async settle(): Promise<void> {
    do await Promise.resolve();
    while (this.anyBusy());
    await Promise.resolve();
    if (this.failure !== undefined) throw this.failure;
  }

  private anyBusy(): boolean {
    for (const node of this.nodes.values()) if (node.busy) return true;
    return false;
  }

  newCore(id: NodeId, disk: MemoryStorage, applied: number): RawNode {
    const random = this.coreRandom.fork();
    const { raft, knobs, coreFactory = (config) => new RawNode(config) } = this.options;
    return coreFactory({
      id,
      storage: disk,
      applied,
      random: (n) => random.int(n),
      electionTicks: raft.electionTicks,
      heartbeatTicks: raft.heartbeatTicks,
      preVote: raft.preVote,
      checkQuorum: raft.checkQuorum,
      maxInflightMsgs: raft.maxInflightMsgs,
      maxSizePerMsg: raft.maxSizePerMsg,
      maxInflightBytes: raft.maxInflightBytes ?? 0,
      disableProposalForwarding: !raft.forwardProposals,
      lazyCommitBroadcast: raft.lazyCommitBroadcast,
      ...(knobs === undefined ? {} : { testingKnobs: knobs }),
    });
  }

  send(m: Message): void {
    this.network.send(m);
  }

  disk(id: NodeId): LogStorage | undefined {
    return this.nodes.get(id)?.disk;
  }

  get driverKnobs(): DriverTestingKnobs | undefined {
    return this.options.driverKnobs;
  }

  get commitIdle(): number | undefined {
    return this.options.raft.commitIdle;
  }

  syncDelay(): number {
    const max = this.options.diskSyncDelayMax ?? 0;
    return this.diskRandom === undefined || max === 0 ? 0 : this.diskRandom.between(1, max);
  }

  readyDelay(): number {
    const max = this.options.readyDelayMax;
    return max === 0 ? 0 : this.readyRandom.between(1, max);
  }

  schedule(delay: number, run: () => void): void {
    this.scheduler.after(delay, run);
  }

  crashPointFor(node: NodeId, rd: Ready): CrashPoint | undefined {
    return this.crashHook(node, rd);
  }

  count(event: keyof ClusterEvents): void {
    this.events[event]++;
  }

  /** The node most recently elected leader, up or not. */
  lastLeader: NodeId | undefined;

  elected(node: NodeId): void {
    this.lastLeader = node;
    this.events.leaderElected++;
  }

  applied(node: NodeId, cmd: Command): void {
    this.listeners.applied(node, cmd);
  }

  readServed(node: NodeId, context: string): void {
    this.listeners.readServed(node, context);
  }

  private tickForever(node: SimNode, interval: number): void {
    node.tick();
    this.scheduler.after(interval, () => this.tickForever(node, interval));
  }

  private deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    if (to === undefined || !to.up) return this.lost(m, false);
    to.receive(m);
    // A snapshot counts as sent once it arrived whole; the sender may then resume replication.
    if (m.type === 'snap') this.nodes.get(m.from)?.reportSnapshot(m.to, true);
  }

  /**
   * A message that will never arrive; a cut link is noticed by the sender's transport. The report
   * comes later, as from a real transport, never from inside the send that caused it.
   */
  private lost(m: Message, cut: boolean): void {
    if (m.type !== 'snap' && !cut) return;
    this.scheduler.after(0, () => {
      const from = this.nodes.get(m.from);
      if (m.type === 'snap') from?.reportSnapshot(m.to, false);
      if (cut) from?.reportUnreachable(m.to);
    });
  }
}
