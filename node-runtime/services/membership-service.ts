// Adding and removing nodes while the cluster runs. A new node joins as a learner (it receives
// the log and chunks but does not vote), and is promoted to voter once it has caught up, so a
// slow newcomer never costs the cluster its quorum. Member addresses are kept in the data
// directory, because a snapshot's membership lists ids only.
import path from 'node:path';
import { ApiError } from '../common/errors';
import type { Clock, MembershipService } from '../ports';
import type { ApplyResult } from '../fsm';
import type { RaftDriver } from '../node/raft-driver';
import type { ConfChange, NodeId } from '../raft/types';
import { readJsonFile, writeJsonAtomic } from '../storage/atomic-file';
import type { PeerAddress } from '../transport';

export interface MemberAddress {
  readonly peerAddress: string;
  readonly httpUrl: string | null;
}

export interface MembershipOptions {
  readonly selfId: NodeId;
  readonly dataDir: string;
  readonly driver: Pick<RaftDriver<ApplyResult>, 'status' | 'proposeConfChange'>;
  readonly addPeer: (id: NodeId, address: PeerAddress) => void;
  /** Refuses a newcomer that cannot apply the log (CommandFormatGate.admit); resolves otherwise. */
  readonly admit: (id: NodeId) => Promise<void>;
  readonly removePeer: (id: NodeId) => void;
  readonly proposalTimeoutMs: () => number;
  /** Called when this node itself was removed from the cluster. */
  readonly onRemoved: () => void;
  /** Saving the address book failed (peers added later would be unknown after a restart). */
  readonly onPersistFailed: (err: Error) => void;
  readonly clock: Clock;
}

const MEMBERS_FILE = 'members.json';
const CATCH_UP_DEADLINE_MS = 60_000;

export function parsePeerAddress(text: string): PeerAddress {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ApiError('bad_request', `peerAddress must be host:port, got "${text}"`);
  }
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}

export class RaftMembershipService implements MembershipService {
  private known = new Map<NodeId, MemberAddress>();
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly options: MembershipOptions) {}

  /** Loads addresses of members that joined after the cluster was founded. */
  async load(): Promise<ReadonlyMap<NodeId, MemberAddress>> {
    const raw = (await readJsonFile(path.join(this.options.dataDir, MEMBERS_FILE))) as Record<string, MemberAddress> | undefined;
    if (raw) this.known = new Map(Object.entries(raw).map(([id, address]) => [Number(id), address]));
    return this.known;
  }

  async add(member: { id: number; peerAddress: string; httpUrl: string | null }): Promise<void> {
    const address = parsePeerAddress(member.peerAddress);
    const status = this.options.driver.status();
    if (status.confState.voters.includes(member.id)) throw new ApiError('conflict', `node ${member.id} is already a voting member`);
    this.options.addPeer(member.id, address);
    await this.options.admit(member.id).catch((err: unknown) => {
      if (!status.confState.learners.includes(member.id)) this.options.removePeer(member.id);
      throw err;
    });
    const context = JSON.stringify({ peerAddress: member.peerAddress, httpUrl: member.httpUrl });
    if (!status.confState.learners.includes(member.id)) {
      await this.change({ changes: [{ op: 'addLearner', nodeId: member.id }], transition: 'auto', context });
    }
    await this.waitCaughtUp(member.id);
    await this.change({ changes: [{ op: 'addVoter', nodeId: member.id }], transition: 'auto', context });
  }

  async promote(id: number): Promise<void> {
    const { confState } = this.options.driver.status();
    if (confState.voters.includes(id)) throw new ApiError('conflict', `node ${id} is already a voting member`);
    if (!confState.learners.includes(id)) throw new ApiError('not_found', `node ${id} is not a learner of this cluster`);
    await this.waitCaughtUp(id);
    await this.change({ changes: [{ op: 'addVoter', nodeId: id }], transition: 'auto' });
  }

  async remove(id: number): Promise<void> {
    const { confState } = this.options.driver.status();
    if (!confState.voters.includes(id) && !confState.learners.includes(id)) throw new ApiError('not_found', `node ${id} is not a member`);
    if (confState.voters.length === 1 && confState.voters[0] === id) throw new ApiError('conflict', 'cannot remove the last voter');
    await this.change({ changes: [{ op: 'removeNode', nodeId: id }], transition: 'auto' });
  }

  /** The driver applied a membership change: keep transport and the address book in step. */
  applied(change: ConfChange): void {
    const context = change.context ? (JSON.parse(change.context) as Partial<MemberAddress>) : {};
    for (const single of change.changes) {
      if (single.op === 'removeNode') {
        this.known.delete(single.nodeId);
        if (single.nodeId === this.options.selfId) this.options.onRemoved();
        else this.options.removePeer(single.nodeId);
      } else if (single.nodeId !== this.options.selfId && context.peerAddress) {
        this.known.set(single.nodeId, { peerAddress: context.peerAddress, httpUrl: context.httpUrl ?? null });
        this.options.addPeer(single.nodeId, parsePeerAddress(context.peerAddress));
      }
    }
    // Writes are chained so an older address book can never land after a newer one.
    const book = Object.fromEntries(this.known);
    this.saving = this.saving
      .then(() => writeJsonAtomic(path.join(this.options.dataDir, MEMBERS_FILE), book))
      .catch((err: Error) => this.options.onPersistFailed(err));
  }

  private async change(change: ConfChange): Promise<void> {
    await this.options.driver.proposeConfChange(change, this.options.proposalTimeoutMs());
  }

  private async waitCaughtUp(id: NodeId): Promise<void> {
    const { clock } = this.options;
    const deadline = clock.now() + CATCH_UP_DEADLINE_MS;
    for (;;) {
      const status = this.options.driver.status();
      // The Raft core refuses ("dropped") to promote a learner whose log lacks a committed entry.
      const match = status.progress?.[id]?.match ?? 0;
      if (match >= status.commit) return;
      if (clock.now() > deadline) throw new ApiError('unavailable', `node ${id} did not catch up within ${CATCH_UP_DEADLINE_MS / 1000} s; it stays a learner`);
      await new Promise<void>((resolve) => clock.after(100, resolve));
    }
  }
}
