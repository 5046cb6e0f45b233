// The operator: membership changes (single-server and joint, learners promoted to voters,
// voters removed and added back), leadership transfers and forced elections.

import { Changer, restoreConfig } from '../../node-runtime/raft/confchange';
import type { ChangeResult } from '../../node-runtime/raft/confchange';
import { decodeConfChange } from '../../node-runtime/raft/index';
import type { ConfChange, ConfChangeSingle, ConfState, Entry, NodeId } from '../../node-runtime/raft/index';
import { ProgressTracker } from '../../node-runtime/raft/tracker/tracker';
import type { Cluster } from './cluster';
import type { Prng } from './prng';
import type { FaultRates } from './scenario';
import type { SimNode } from './sim-node';

/** Everyone the configuration mentions, voters and learners, incoming and outgoing. */
export function membersOf(cs: ConfState): NodeId[] {
  return [...new Set([...cs.voters, ...cs.votersOutgoing, ...cs.learners, ...cs.learnersNext])];
}

/**
 * The configurations a node goes through from `cs` (the one it applied) as it applies the
 * membership changes among `entries` (what its log holds past its applied index), or undefined
 * when they do not apply to it (entries of a branch a leader will overwrite: anything may follow).
 */
export function configurationsAhead(cs: ConfState, entries: readonly Entry[]): ConfState[] | undefined {
  const tracker = new ProgressTracker();
  const take = (change: ChangeResult): void => {
    tracker.config = change.config;
    tracker.progress = change.progress;
  };
  take(restoreConfig(cs, 0, { messages: 1, bytes: 0 }));
  const ahead: ConfState[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'confChange') continue;
    try {
      take(new Changer(tracker, 0, { messages: 1, bytes: 0 }).apply(decodeConfChange(entry.data)));
    } catch {
      return undefined;
    }
    ahead.push(tracker.confState());
  }
  return ahead;
}

export class Operator {
  private active = false;
  changesProposed = 0;
  transfers = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly random: Prng,
    private readonly rates: FaultRates,
  ) {}

  start(): void {
    this.active = true;
    if (this.rates.confChange > 0) this.loop(this.rates.confChange, () => this.changeMembership());
    if (this.rates.transferLeader > 0) this.loop(this.rates.transferLeader, () => this.transferLeader());
    if (this.rates.partitionedChange > 0) this.loop(this.rates.partitionedChange, () => this.changeUnderPartition());
  }

  stop(): void {
    this.active = false;
  }

  /** A configuration left joint by an explicit 'joint' change must be left explicitly. */
  leaveJointIfNeeded(): void {
    const leader = this.cluster.leader();
    const cs = leader?.membership;
    if (leader && cs && cs.votersOutgoing.length > 0 && !cs.autoLeave) leader.proposeConfChange({ changes: [], transition: 'leaveJoint' });
  }

  private loop(mean: number, action: () => void): void {
    this.cluster.scheduler.after(this.random.between(1, 2 * mean), () => {
      if (!this.active) return;
      action();
      this.loop(mean, action);
    });
  }

  /** The leader, when there is one and its configuration is not joint (a joint one is left first). */
  private leaderReadyForChange(): SimNode | undefined {
    const leader = this.cluster.leader();
    if (leader === undefined) return undefined;
    if (leader.membership.votersOutgoing.length > 0) {
      this.leaveJointIfNeeded();
      return undefined;
    }
    return leader;
  }

  private changeMembership(): void {
    const leader = this.leaderReadyForChange();
    if (leader === undefined) return;
    const cs = leader.membership;
    const cc = this.chooseChange(cs);
    if (cc === undefined) return;
    this.changesProposed++;
    // Now and then through a follower, which forwards it (or turns it away).
    this.viaAnyNode(leader).proposeConfChange(cc);
  }

  /**
   * Cuts the leader off from some of the other voters (both ways or one way), then changes the
   * membership, most often demoting or removing the leader itself. With a minority cut off the
   * change can still commit, and learners (never cut) hold the new configuration before the voters
   * that were; with a majority cut off, the leader is stranded with an uncommitted change while
   * the rest elect a new leader.
   */
  private changeUnderPartition(): void {
    const leader = this.leaderReadyForChange();
    if (leader === undefined) return;
    const cs = leader.membership;
    const others = cs.voters.filter((id) => id !== leader.id);
    const cut = this.random.shuffle([...others]).slice(0, this.random.between(1, Math.max(1, Math.ceil(others.length / 2))));
    const network = this.cluster.network;
    const direction = this.random.int(3);
    for (const id of cut) {
      if (direction !== 1) network.cutLink(leader.id, id);
      if (direction !== 2) network.cutLink(id, leader.id);
    }
    const cc = cs.voters.length > 2 && this.random.chance(0.7) ? this.demoteOrRemove(leader.id, cs) : this.chooseChange(cs);
    if (cc !== undefined) {
      this.changesProposed++;
      leader.proposeConfChange(cc);
    }
    this.cluster.scheduler.after(this.random.between(1, this.rates.maxPartitionTime), () => {
      if (this.active) network.heal();
    });
  }

  /** The leader demoted to learner or removed, alone or with a second change in a joint step. */
  private demoteOrRemove(leader: NodeId, cs: ConfState): ConfChange {
    const self: ConfChangeSingle = { op: this.random.pick(['removeNode', 'addLearner'] as const), nodeId: leader };
    const options = this.chooseChange(cs)?.changes.filter((c) => c.nodeId !== leader) ?? [];
    const second = options[0];
    if (second === undefined || this.random.chance(0.5)) return { changes: [self], transition: 'auto' };
    return { changes: [self, second], transition: this.random.pick(['auto', 'joint'] as const) };
  }

  private chooseChange(cs: ConfState): ConfChange | undefined {
    const all = [...this.cluster.nodes.keys()];
    const outsiders = all.filter((id) => !cs.voters.includes(id) && !cs.learners.includes(id));
    const options: ConfChangeSingle[] = [];
    for (const id of outsiders) options.push({ op: 'addLearner', nodeId: id }, { op: 'addVoter', nodeId: id });
    for (const id of cs.learners) options.push({ op: 'addVoter', nodeId: id }, { op: 'removeNode', nodeId: id });
    // Keep at least two voters so that a removal still leaves something to replicate to.
    if (cs.voters.length > 2) for (const id of cs.voters) options.push({ op: 'removeNode', nodeId: id }, { op: 'addLearner', nodeId: id });
    if (options.length === 0) return undefined;
    const first = this.random.pick(options);
    if (this.random.chance(0.7)) return { changes: [first], transition: 'auto' };
    const second = this.random.pick(options.filter((o) => o.nodeId !== first.nodeId).concat([first]));
    const changes = second === first ? [first] : [first, second];
    return { changes, transition: this.random.pick(['auto', 'joint'] as const) };
  }

  /** Hands leadership over politely (transfer) or, now and then, forces an election somewhere. */
  private transferLeader(): void {
    if (this.random.chance(0.25)) {
      const up = this.cluster.upNodes();
      if (up.length > 0) this.random.pick(up).campaign();
      return;
    }
    const leader = this.cluster.leader();
    if (leader === undefined) return;
    const others = leader.membership.voters.filter((id) => id !== leader.id);
    if (others.length === 0) return;
    this.transfers++;
    this.viaAnyNode(leader).transferLeadership(this.random.pick(others));
  }

  private viaAnyNode(leader: SimNode): SimNode {
    const up = this.cluster.upNodes();
    return up.length > 0 && this.random.chance(0.2) ? this.random.pick(up) : leader;
  }
}
