// The fault phase's adversary: crashes (some in the middle of handling a Ready) and restarts,
// symmetric and one-way partitions, and snapshots with log compaction at random points, which
// force lagging followers onto the snapshot path; with the failover faults on, crashes that
// close connections, connections closing between live nodes, and pauses. Every choice comes from the run's seed.

import type { NodeId, Ready } from '../../node-runtime/raft/index';
import type { Cluster } from './cluster';
import type { Prng } from './prng';
import type { FaultRates } from './scenario';
import type { CrashPoint, SimNode } from './sim-node';

const CRASH_POINTS: readonly CrashPoint[] = ['beforePersist', 'afterPersist', 'afterSend'];

export interface FaultStats {
  crashes: number;
  partitions: number;
  snapshots: number;
  connectionsClosed: number;
  pauses: number;
}

export class FaultInjector {
  private active = false;
  readonly stats: FaultStats = { crashes: 0, partitions: 0, snapshots: 0, connectionsClosed: 0, pauses: 0 };

  constructor(
    private readonly cluster: Cluster,
    private readonly random: Prng,
    private readonly rates: FaultRates,
    /** One (unrandomised) election timeout in simulated time. */
    private readonly electionTime: number,
  ) {}

  start(): void {
    this.active = true;
    if (this.rates.crashAtKeyMoments > 0 || this.rates.crashAtConfChange > 0) this.cluster.crashHook = (node, rd) => this.crashAtKeyMoment(node, rd);
    if (this.rates.crash > 0) this.loop(this.rates.crash, () => this.crashOne());
    if (this.rates.partition > 0) this.loop(this.rates.partition, () => this.partition());
    if (this.rates.snapshot > 0) this.loop(this.rates.snapshot, () => this.snapshotOne());
    if (this.rates.closeOnCrash > 0) this.cluster.crashed = (id) => this.closeConnectionsOf(id);
    if (this.rates.connectionFlap > 0) this.loop(this.rates.connectionFlap, () => this.flapOne());
    if (this.rates.pause > 0) this.loop(this.rates.pause, () => this.pauseOne());
  }

  /** Ends the fault phase: pending restarts and heals are left to the liveness phase. */
  stop(): void {
    this.active = false;
    this.cluster.crashHook = () => undefined;
    this.cluster.crashed = () => undefined;
  }

  private loop(mean: number, action: () => void): void {
    this.cluster.scheduler.after(this.random.between(1, 2 * mean), () => {
      if (!this.active) return;
      action();
      this.loop(mean, action);
    });
  }

  private crashOne(): void {
    const up = this.cluster.upNodes();
    if (up.length === 0) return;
    // Leaders hold the most interesting volatile state: aim at them half of the time.
    const node = (this.random.chance(0.5) ? this.cluster.leader() : undefined) ?? this.random.pick(up);
    this.stats.crashes++;
    if (this.random.chance(this.rates.crashMidReady)) node.crashDuringNextReady(this.random.pick(CRASH_POINTS));
    else node.crash();
    this.scheduleRestart(node);
  }

  private crashAtKeyMoment(id: NodeId, rd: Ready): CrashPoint | undefined {
    const node = this.cluster.node(id);
    const point = this.keyMoment(node, rd) ?? this.confChangeMoment(rd);
    if (point === undefined) return undefined;
    this.stats.crashes++;
    this.scheduleRestart(node);
    return point;
  }

  private keyMoment(node: SimNode, rd: Ready): CrashPoint | undefined {
    if (this.rates.crashAtKeyMoments === 0) return undefined;
    let point: CrashPoint | undefined;
    if (rd.softState?.role === 'leader') point = 'afterPersist';
    else if (node.role === 'leader' && rd.hardState !== undefined && rd.hardState.commit > node.disk.initialState().hardState.commit) point = 'afterPersist';
    else if (rd.messages.some((m) => m.type === 'voteResp' && !m.reject)) point = 'afterSend';
    return point !== undefined && this.random.chance(this.rates.crashAtKeyMoments) ? point : undefined;
  }

  /** Persisted but not applied: a membership change in the new entries or the newly committed ones. */
  private confChangeMoment(rd: Ready): CrashPoint | undefined {
    if (this.rates.crashAtConfChange === 0) return undefined;
    const carriesChange = rd.entries.some((e) => e.kind === 'confChange') || rd.committedEntries.some((e) => e.kind === 'confChange');
    if (!carriesChange || !this.random.chance(this.rates.crashAtConfChange)) return undefined;
    return this.random.pick(['afterPersist', 'afterSend'] as const);
  }

  private scheduleRestart(node: SimNode): void {
    this.cluster.scheduler.after(this.random.between(1, this.rates.maxDowntime), () => {
      if (!this.active) return;
      const slow = this.rates.slowRestart > 0 && this.random.chance(this.rates.slowRestart);
      node.start(slow ? this.random.between(1, this.slowRestartMax) : 0);
    });
  }

  /** Three election timeouts of the slowest possible clock. */
  private get slowRestartMax(): number {
    return 3 * 2 * this.electionTime;
  }

  private partition(): void {
    const ids = [...this.cluster.nodes.keys()];
    const network = this.cluster.network;
    this.stats.partitions++;
    const kind = this.random.int(4);
    if (kind === 0) {
      // Isolate the leader (or anyone): the classic trigger for a new election and a stale leader.
      const victim = this.cluster.leader()?.id ?? this.random.pick(ids);
      network.partition([victim], ids.filter((id) => id !== victim));
    } else if (kind === 1) {
      const shuffled = this.random.shuffle([...ids]);
      const cut = this.random.between(1, ids.length - 1);
      network.partition(shuffled.slice(0, cut), shuffled.slice(cut));
    } else if (kind === 2) {
      // One-way cuts: a node that hears but is not heard (or the reverse).
      for (let i = this.random.between(1, ids.length); i > 0; i--) {
        const from = this.random.pick(ids);
        const to = this.random.pick(ids.filter((id) => id !== from));
        network.cutLink(from, to);
      }
    } else {
      this.bridge(ids);
    }
    this.cluster.scheduler.after(this.random.between(1, this.rates.maxPartitionTime), () => {
      if (this.active) network.heal();
    });
  }

  /** Two halves that only one bridge node can talk to: each half may elect a different leader. */
  private bridge(ids: NodeId[]): void {
    const shuffled = this.random.shuffle([...ids]);
    const [bridge, ...rest] = shuffled;
    if (bridge === undefined || rest.length < 2) return;
    const half = Math.floor(rest.length / 2);
    this.cluster.network.partition(rest.slice(0, half), rest.slice(half));
  }

  /** A process killed outright: the kernel closes its sockets, and each peer sees its stream end. */
  private closeConnectionsOf(id: NodeId): void {
    if (!this.random.chance(this.rates.closeOnCrash)) return;
    this.stats.connectionsClosed += this.cluster.nodes.size - 1;
    for (const peer of this.cluster.nodes.keys()) if (peer !== id) this.cluster.network.closeConnection(id, peer);
  }

  /** A connection closes while both ends live; half of the time the leader's, to one follower. */
  private flapOne(): void {
    const ids = [...this.cluster.nodes.keys()];
    const from = (this.random.chance(0.5) ? this.cluster.leader()?.id : undefined) ?? this.random.pick(ids);
    const to = this.random.pick(ids.filter((id) => id !== from));
    this.stats.connectionsClosed++;
    this.cluster.network.closeConnection(from, to);
  }

  /** SIGSTOP, then SIGCONT later; the leader half of the time, which then wakes up deposed. */
  private pauseOne(): void {
    const up = this.cluster.upNodes();
    if (up.length === 0) return;
    const node = (this.random.chance(0.5) ? this.cluster.leader() : undefined) ?? this.random.pick(up);
    this.stats.pauses++;
    node.pause(this.random.between(1, this.rates.maxPause));
  }

  private snapshotOne(): void {
    const up = this.cluster.upNodes();
    if (up.length === 0) return;
    this.stats.snapshots++;
    this.random.pick(up).takeSnapshot(this.random.pick([0, 2, 10, 50]));
  }
}
