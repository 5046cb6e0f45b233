// The liveness phase: faults stop, the network heals, every member comes back up, and within a
// bound of simulated time the cluster must elect a leader, commit every pending write, serve a
// linearizable read and bring every member's state machine to the same index. Optionally a first
// round keeps a voter down (often the last leader) and asks the same of the others (what a quorum
// promises).

import type { ConfState, NodeId } from '../../node-runtime/raft/index';
import type { Cluster } from './cluster';
import { configurationsAhead, membersOf } from './membership';
import type { Operator } from './membership';
import type { FaultInjector } from './faults';
import type { LinkFaults } from './network';
import type { Prng } from './prng';
import type { SimNode } from './sim-node';
import { Violation } from './violation';
import type { Workload } from './workload';

/** A cluster that keeps moving must still be done within this many liveness bounds. */
const LIVENESS_CAP = 3;

export interface LivenessOutcome {
  /** Simulated time from the end of the faults to a fully converged cluster. */
  readonly convergedAfter: number;
}

export class LivenessPhase {
  constructor(
    private readonly cluster: Cluster,
    private readonly faults: FaultInjector,
    private readonly operator: Operator,
    private readonly workload: Workload,
    private readonly calmLinks: LinkFaults,
    private readonly pollEvery: number,
    /** Picks the voter kept down (its own stream: older runs draw nothing from it). */
    private readonly random: Prng,
  ) {}

  async run(bound: number, oneDownFirst = false): Promise<LivenessOutcome> {
    const { cluster } = this;
    const start = cluster.now();
    this.faults.stop();
    this.operator.stop();
    this.workload.stopNewWrites();
    this.workload.ensureReads();
    cluster.network.heal();
    cluster.network.setFaults(this.calmLinks);
    for (const node of cluster.nodes.values()) node.disarmCrash();
    const down = oneDownFirst ? this.voterToKeepDown() : undefined;
    if (down !== undefined) {
      cluster.trace.log(undefined, `liveness with n${down} down`);
      cluster.node(down).crash();
      await this.converge(bound, down, `with n${down} down`);
      cluster.trace.log(undefined, `n${down} comes back`);
    }
    await this.converge(bound);
    return { convergedAfter: cluster.now() - start };
  }

  /**
   * Runs until the cluster is done. It fails when nothing moves for `bound` (no leader, no commit,
   * no apply, no read anywhere: stuck), or when it is still not done after LIVENESS_CAP bounds
   * (moving but never arriving: a livelock). A slow catch-up that keeps moving is neither: a voter
   * that must fetch a long log one small message at a time (seed 3063931) is not a liveness bug.
   */
  private async converge(bound: number, down?: NodeId, what = ''): Promise<void> {
    const { cluster } = this;
    const start = cluster.now();
    let done = false;
    let lastMove = start;
    let lastProgress = this.progress();
    const poll = (): void => {
      this.settleMembership(down);
      this.operator.leaveJointIfNeeded();
      if (this.missing(down) === undefined) done = true;
      const progress = this.progress();
      if (progress !== lastProgress) {
        lastProgress = progress;
        lastMove = cluster.now();
      }
      if (!done) cluster.scheduler.after(this.pollEvery, poll);
    };
    poll();
    await cluster.run(start + LIVENESS_CAP * bound, () => done || cluster.now() - lastMove > bound);
    const missing = this.missing(down);
    if (missing !== undefined) {
      const stuck = cluster.now() - lastMove > bound;
      const when = stuck ? `nothing moved for ${bound} time units` : `${LIVENESS_CAP * bound} time units after the faults stopped`;
      throw new Violation('liveness', `${when}${what ? ` ${what}` : ''}: ${missing}`, cluster.now());
    }
  }

  /** What moves when a cluster makes progress: its leader, its commit, what members applied, reads served. */
  private progress(): string {
    const leader = this.cluster.leader();
    let applied = 0;
    for (const node of this.cluster.nodes.values()) applied += node.appliedIndex;
    return `${leader?.id ?? 0}:${leader?.term ?? 0}:${leader?.status()?.commit ?? 0}:${applied}:${this.workload.readsServedSince}`;
  }

  /**
   * A voter whose absence leaves a quorum in every configuration in play: every half that holds
   * it keeps a majority of nodes that would campaign (below), in each node's applied configuration and in every one the
   * membership changes its log holds unapplied would take it through (none is kept down when
   * those do not apply to it). Half of the time the leader (or else the last node that led) when
   * it qualifies, otherwise any qualifying voter: a follower, a voter just promoted or added.
   */
  private voterToKeepDown(): NodeId | undefined {
    const inPlay: ConfState[] = [];
    const views = new Map<NodeId, ConfState[]>();
    for (const node of this.cluster.nodes.values()) {
      const disk = node.disk;
      // Entries a core holds beyond its disk (a leader's proposals, sent while they are written)
      // are not read here: while any exist, a change among them could shrink a half unseen.
      if ((node.status()?.lastIndex ?? 0) > disk.lastIndex()) return undefined;
      const from = Math.max(node.appliedIndex + 1, disk.firstIndex());
      const ahead = configurationsAhead(node.membership, from <= disk.lastIndex() ? disk.entries(from, disk.lastIndex() + 1) : []);
      if (ahead === undefined) return undefined;
      views.set(node.id, [node.membership, ...ahead]);
      inPlay.push(node.membership, ...ahead);
    }
    // The others of each half that holds it must still make a majority of that half counting only
    // nodes that stay voters in every configuration their own log can take them to. One that
    // applies its own removal or demotion (at restart, from its durable commit index) never
    // campaigns, yet may hold the longest log and so refuse every candidate that could: with it in
    // the only quorum left, no leader can come until the node kept down returns (seed 10203348,
    // reconfig — a liveness limit of configurations taking effect once applied, as in etcd's raft,
    // not a bug of the core; see test/sim/README.md).
    const campaigns = (id: NodeId): boolean =>
      (views.get(id) ?? []).every((cs) => cs.voters.includes(id) || cs.votersOutgoing.includes(id)) && views.has(id);
    const tolerates = (id: NodeId, cs: ConfState): boolean =>
      [cs.voters, cs.votersOutgoing].every((half) => !half.includes(id) || half.filter((other) => other !== id && campaigns(other)).length > half.length / 2);
    const voters = [...new Set(inPlay.flatMap((cs) => [...cs.voters, ...cs.votersOutgoing]))].sort((a, b) => a - b);
    const qualifying = voters.filter((id) => inPlay.every((cs) => tolerates(id, cs)));
    if (qualifying.length === 0) return undefined;
    const leader = this.cluster.leader()?.id ?? this.cluster.lastLeader;
    if (leader !== undefined && qualifying.includes(leader) && this.random.chance(0.5)) return leader;
    return this.random.pick(qualifying);
  }

  /**
   * Members run. A removed server is decommissioned, as an operator would do (left running it
   * would keep campaigning), but only once no member still counts it: a member that has not yet
   * applied the removal may need its vote to learn that the removal committed. Membership is the
   * leader's, or else the most advanced one any node has applied.
   */
  private settleMembership(down?: NodeId): void {
    const nodes = [...this.cluster.nodes.values()];
    const reference =
      this.cluster.leader() ?? nodes.reduce<SimNode | undefined>((best, n) => (best === undefined || n.appliedIndex > best.appliedIndex ? n : best), undefined);
    if (reference === undefined) return;
    const members = membersOf(reference.membership);
    for (const id of members) if (id !== down) this.cluster.node(id).start();
    const counted = new Set(members.flatMap((id) => membersOf(this.cluster.node(id).membership)));
    for (const node of nodes) {
      if (node.id === down) continue;
      if (members.includes(node.id) || counted.has(node.id)) node.start();
      else node.crash();
    }
  }

  /** What still keeps the cluster from being done, or undefined when it is done. */
  private missing(down?: NodeId): string | undefined {
    const leader = this.cluster.leader();
    if (leader === undefined) return 'no leader';
    const status = leader.status();
    if (status === undefined) return 'no leader';
    if (!leader.membership.voters.includes(leader.id)) return `leader n${leader.id} is not a voter`;
    if (leader.membership.votersOutgoing.length > 0) return 'the configuration is still joint';
    if (status.lastIndex > status.commit) return `leader n${leader.id} has entries up to ${status.lastIndex} but commit ${status.commit}`;
    if (status.commit < this.cluster.checker.committedIndex) {
      return `leader n${leader.id} commit ${status.commit} is behind the highest commit ${this.cluster.checker.committedIndex}`;
    }
    const pending = this.workload.pendingWrites();
    if (pending > 0) return `${pending} writes not applied`;
    if (this.workload.readsServedSince === 0) return 'no read served';
    for (const id of membersOf(leader.membership)) {
      if (id === down) continue;
      const node = this.cluster.node(id);
      if (!node.up) return `member n${id} is down`;
      if (node.appliedIndex !== status.commit || node.appliedChain !== leader.appliedChain) {
        return `member n${id} applied ${node.appliedIndex}, leader n${leader.id} committed ${status.commit}`;
      }
    }
    return undefined;
  }
}
