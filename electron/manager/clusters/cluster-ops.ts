// Commands that act on the cluster through the nodes' own APIs: leadership transfer, partitions,
// membership changes, and picking the node a passthrough request goes to.
import { ApiError } from '../../../node-runtime/common/errors';
import type { AddedNode, NodeAction } from '../../../node-runtime/common/manager-api';
import type { ClusterBackend, MemberView } from './cluster-backend';
import type { ClusterView } from '../cluster-view/cluster-view';
import type { NodeAccess } from './node-access';
import type { NodeClient } from './node-client';

const MEMBERSHIP_RETRY_MS = 10_000;
/** How long a passthrough request waits for a node to go to, as a node waits for a leader (leaderWaitMs). */
export const PASSTHROUGH_WAIT_MS = 10_000;
/** How often a passthrough request with no node to go to looks again (health probes are slower). */
const PASSTHROUGH_WAIT_STEP_MS = 50;

/** Actions after which the node says nothing more: its peers' silence starts at the action. */
const SILENCING: ReadonlySet<NodeAction> = new Set(['kill', 'stop', 'pause', 'restart']);

export class ClusterOps {
  constructor(
    private readonly backend: ClusterBackend,
    private readonly view: ClusterView,
  ) {}

  /** How to reach this cluster's nodes (CA, token, secret). */
  get access(): NodeAccess {
    return this.backend.access;
  }

  member(id: number): MemberView {
    const member = this.backend.members().find((m) => m.id === id);
    if (!member) throw new ApiError('not_found', `no node ${id} in cluster "${this.backend.profile}"`);
    return member;
  }

  leader(): MemberView {
    const leaderId = this.view.snapshot().leaderId;
    const leader = leaderId === null ? undefined : this.backend.members().find((m) => m.id === leaderId);
    if (!leader) throw new ApiError('no_quorum', 'no node reports a leader right now; try again once one is elected');
    return leader;
  }

  /**
   * The leader when known (saves a forwarding hop), else any node that answers; none of `avoid`
   * (nodes that just refused a connection, though the last probe found them up).
   */
  passthroughTarget(avoid: ReadonlySet<number> = new Set()): MemberView {
    const snapshot = this.view.snapshot();
    const reachable = snapshot.nodes.filter((n) => n.reachable && !avoid.has(n.id));
    const chosen = reachable.find((n) => n.id === snapshot.leaderId) ?? reachable[0];
    if (!chosen) throw new ApiError('unavailable', 'no node of the cluster answers right now');
    return this.member(chosen.id);
  }

  /**
   * A passthrough target once one answers: right after start-up, or while a killed node is still
   * thought up, none may. Looks again every PASSTHROUGH_WAIT_STEP_MS up to `waitMs`, then throws
   * unavailable (503 with Retry-After).
   */
  async awaitPassthroughTarget(waitMs: number, avoid: ReadonlySet<number> = new Set()): Promise<MemberView> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return this.passthroughTarget(avoid);
      } catch (err) {
        if (Date.now() >= deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, PASSTHROUGH_WAIT_STEP_MS));
    }
  }

  async transferLeadership(id: number): Promise<void> {
    await this.view.client(this.member(id)).requestVote();
  }

  /**
   * Cuts the cluster into `groups`: every node drops traffic with the nodes outside its group.
   * Nodes named in no group form one more group. Applied to every node before reporting failures,
   * so one unreachable node does not leave the rest half-configured.
   */
  /** A process action on a node; one that silences it is preceded by a fresh reading of the cluster (ClusterView.refresh). */
  async nodeAction(id: number, action: NodeAction): Promise<void> {
    if (SILENCING.has(action)) await this.view.refresh();
    await this.backend.nodeAction(id, action);
  }

  async partition(groups: readonly (readonly number[])[]): Promise<void> {
    const members = this.backend.members();
    const ids = members.map((m) => m.id);
    const groupOf = new Map<number, number>();
    groups.forEach((group, index) => {
      for (const id of group) {
        if (!ids.includes(id)) throw new ApiError('bad_request', `node ${id} is not in the cluster (nodes: ${ids.join(', ')})`);
        if (groupOf.has(id)) throw new ApiError('bad_request', `node ${id} is named in two groups`);
        groupOf.set(id, index);
      }
    });
    await this.view.refresh();
    await this.applyRules(members, (m) => members.filter((o) => (groupOf.get(o.id) ?? -1) !== (groupOf.get(m.id) ?? -1)).map((o) => o.id));
  }

  /** Clears the fault rules of every node, also of nodes the manager has no record for. */
  async heal(): Promise<void> {
    await this.applyRules(this.backend.members(), () => []);
  }

  async addNode(): Promise<AddedNode> {
    this.leader();
    const added = await this.backend.spawnJoiner();
    try {
      await this.atLeader((leader) => leader.addMember({ id: added.id, peerAddress: added.peerAddress, httpUrl: added.httpUrl }));
    } catch (err) {
      await this.backend.retire(added.id);
      throw err;
    }
    return added;
  }

  /** Leaves the membership first, so the cluster never counts a stopped node as a voter. */
  async removeNode(id: number): Promise<void> {
    this.member(id);
    await this.atLeader((leader) => leader.removeMember(id));
    await this.backend.retire(id);
  }

  /**
   * Runs a membership call on the current leader. A leader refuses a change while the previous one
   * (or its own election entry) is not yet applied, and leadership may move meanwhile: both are
   * retried for a few seconds against whoever leads then.
   */
  private async atLeader(call: (leader: NodeClient) => Promise<void>): Promise<void> {
    const deadline = Date.now() + MEMBERSHIP_RETRY_MS;
    for (;;) {
      try {
        await call(this.view.client(this.leader()));
        return;
      } catch (err) {
        const transient = err instanceof ApiError && (err.status === 503 || err.code === 'not_leader');
        if (!transient || Date.now() > deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private async applyRules(members: readonly MemberView[], blockedFor: (member: MemberView) => number[]): Promise<void> {
    if (!this.backend.access.hasSecret) {
      throw new ApiError('conflict', `profile "${this.backend.profile}" has no cluster secret saved, so faults cannot be injected`);
    }
    const results = await Promise.allSettled(
      members.map(async (member) => {
        const blocked = blockedFor(member);
        await this.view.client(member).setBlockedPeers(blocked);
        this.view.setPartitionedFrom(member, blocked);
      }),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof ApiError ? r.reason.detail : (r.reason as Error).message] : []));
    if (failures.length > 0) throw new ApiError('unavailable', `fault rules not applied everywhere: ${failures.join('; ')}`);
  }
}
