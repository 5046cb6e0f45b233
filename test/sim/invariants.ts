// The safety properties of Raft (§5.2–5.4 of the paper) and of the Ready contract, checked
// incrementally as the simulated nodes persist, commit, lead and apply. Each check is phrased
// over what the nodes durably did, so a violation is a real bug in the core (or the harness),
// never an artefact of timing.

import type { ConfState, Entry, HardState, LogStorage, NodeId, Ready } from '../../node-runtime/raft/index';
import { NONE } from '../../node-runtime/raft/index';
import { digestEntry } from './state-machine';
import type { Command } from './state-machine';
import { Violation } from './violation';
import type { ViolationKind } from './violation';

/** The term of entry `i` in `disk`, or undefined when the disk does not hold it. */
export function termAt(disk: LogStorage, i: number): number | undefined {
  if (i < disk.firstIndex() - 1 || i > disk.lastIndex()) return undefined;
  return disk.term(i);
}

interface CommittedEntry {
  readonly term: number;
  /** The lowest term of a node that reported this entry committed: the leader that committed it had at most this term. */
  commitTerm: number;
}

interface LoggedEntry {
  readonly digest: number;
  /** Term of the entry before it, or -1 when the recording node had compacted it. */
  prevTerm: number;
}

interface Write {
  readonly index: number;
  readonly proposalId: number;
}

export interface CheckerOptions {
  /**
   * Check that the core never sends what it has not asked the driver to persist. On by default;
   * switched off to show that the end-to-end safety checks alone also catch a persistence bug.
   */
  readonly readyContract: boolean;
}

export class Checker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** (index, term) → the one entry any node may hold there (log matching). */
  private readonly logged = new Map<string, LoggedEntry>();
  private readonly committed: (CommittedEntry | undefined)[] = [];
  private readonly persistedHardState = new Map<NodeId, HardState>();
  /** The commit index a node is writing in a Ready that moves only that (see onReadyReceived). */
  private readonly writingCommit = new Map<NodeId, number>();
  private readonly reportedCommit = new Map<NodeId, number>();
  private readonly appliedDigest: (number | undefined)[] = [];
  private readonly appliedChain: (number | undefined)[] = [];
  private readonly writesByKey = new Map<number, Write[]>();
  /** The highest index any node has reported committed. */
  committedIndex = 0;

  constructor(
    private readonly now: () => number,
    private readonly options: CheckerOptions = { readyContract: true },
  ) {}

  private fail(kind: ViolationKind, detail: string): never {
    throw new Violation(kind, detail, this.now());
  }

  /**
   * A crash on a lossy disk undid the writes since the last durable one: at most a commit index
   * the node was not asked to sync (entries, terms and votes are always synced before anything
   * depends on them, which the other checks hold the node to).
   */
  onDiskRolledBack(node: NodeId, hs: HardState): void {
    this.persistedHardState.set(node, hs);
  }

  /**
   * As the driver takes `rd` from the core. A Ready that moves only the commit index may have its
   * committed entries applied while that is written (RaftDriver.appliesWhilePersisting).
   */
  onReadyReceived(node: NodeId, rd: Ready): void {
    if (rd.hardState !== undefined && rd.entries.length === 0 && rd.snapshot === undefined) this.writingCommit.set(node, rd.hardState.commit);
    else this.writingCommit.delete(node);
  }

  /** After the driver persisted `rd` to `disk` and before it sends `rd.messages`. */
  onPersisted(node: NodeId, rd: Ready, disk: LogStorage): void {
    this.writingCommit.delete(node);
    if (this.options.readyContract) this.checkMustSync(node, rd);
    if (rd.hardState) this.checkHardStateProgress(node, rd.hardState);
    if (rd.entries.length > 0) this.recordLogged(node, rd.entries, disk);
    if (this.options.readyContract) this.checkMessagesArePersisted(node, rd, disk);
  }

  /** New entries, a snapshot, a new term or a new vote must reach the disk before anything is sent. */
  private checkMustSync(node: NodeId, rd: Ready): void {
    const prev = this.persistedHardState.get(node);
    const hs = rd.hardState;
    const voteOrTermChanged = hs !== undefined && (prev === undefined || hs.term !== prev.term || hs.vote !== prev.vote);
    if (!rd.mustSync && (rd.entries.length > 0 || rd.snapshot !== undefined || voteOrTermChanged)) {
      this.fail('readyContract', `n${node} hands out a Ready with new entries, snapshot, term or vote but mustSync=false`);
    }
  }

  private checkHardStateProgress(node: NodeId, hs: HardState): void {
    const prev = this.persistedHardState.get(node);
    if (prev && this.options.readyContract) {
      if (hs.term < prev.term) this.fail('readyContract', `n${node} persisted term ${hs.term} after term ${prev.term}`);
      if (hs.term === prev.term && prev.vote !== NONE && hs.vote !== prev.vote) {
        this.fail('readyContract', `n${node} changed its persisted vote in term ${hs.term} from n${prev.vote} to n${hs.vote}`);
      }
      if (hs.commit < prev.commit) this.fail('readyContract', `n${node} persisted commit ${hs.commit} after commit ${prev.commit}`);
    }
    this.persistedHardState.set(node, hs);
  }

  /** Log matching, checked inductively: each (index, term) names one entry with one predecessor term. */
  private recordLogged(node: NodeId, entries: readonly Entry[], disk: LogStorage): void {
    let prevTerm = -1;
    const first = entries[0];
    if (first !== undefined) prevTerm = termAt(disk, first.index - 1) ?? -1;
    for (const e of entries) {
      const key = `${e.index}:${e.term}`;
      const digest = digestEntry(0, e);
      const seen = this.logged.get(key);
      if (seen === undefined) {
        this.logged.set(key, { digest, prevTerm });
      } else {
        if (seen.digest !== digest) {
          this.fail('logMatching', `n${node} persisted a different entry at index ${e.index} term ${e.term} than another node did`);
        }
        if (seen.prevTerm >= 0 && prevTerm >= 0 && seen.prevTerm !== prevTerm) {
          this.fail(
            'logMatching',
            `n${node} holds index ${e.index} term ${e.term} after an entry of term ${prevTerm}; another node holds it after term ${seen.prevTerm}`,
          );
        }
        if (seen.prevTerm < 0) seen.prevTerm = prevTerm;
      }
      prevTerm = e.term;
    }
  }

  /**
   * A granted vote or an acknowledged append must be durable before it leaves. A Ready batches
   * several steps, so what is durable may already be a later term: a node that persisted term T
   * can never act again in an earlier term, which makes its earlier-term answers safe to send.
   */
  private checkMessagesArePersisted(node: NodeId, rd: Ready, disk: LogStorage): void {
    const hs = this.persistedHardState.get(node);
    const term = hs?.term ?? 0;
    for (const m of rd.messages) {
      if (m.reject || m.term < term) continue;
      if (m.type === 'voteResp' && (hs === undefined || hs.term !== m.term || hs.vote !== m.to)) {
        const persisted = hs === undefined ? 'nothing' : `term ${hs.term} vote n${hs.vote}`;
        this.fail('readyContract', `n${node} grants its vote to n${m.to} in term ${m.term} but persisted ${persisted}`);
      }
      if (m.type === 'appResp' && m.index > disk.lastIndex()) {
        this.fail('readyContract', `n${node} acknowledges index ${m.index} but persisted only up to ${disk.lastIndex()}`);
      }
    }
  }

  /**
   * After `node` persisted a hard state: records what it reports committed and, for a leader,
   * checks that a quorum of the configuration durably holds the committed entry.
   */
  onCommit(node: NodeId, hs: HardState, disk: LogStorage, leaderView?: { confState: ConfState; disks: (id: NodeId) => LogStorage | undefined }): void {
    const last = this.reportedCommit.get(node) ?? 0;
    if (hs.commit <= last) return;
    for (let i = Math.max(last + 1, disk.firstIndex() - 1, 1); i <= hs.commit; i++) {
      const term = termAt(disk, i);
      if (term === undefined) this.fail('readyContract', `n${node} reports index ${i} committed but its log ends at ${disk.lastIndex()}`);
      const known = this.committed[i];
      if (known === undefined) {
        this.committed[i] = { term, commitTerm: hs.term };
      } else if (known.term !== term) {
        this.fail('durability', `index ${i} was reported committed with term ${known.term}, now n${node} reports it committed with term ${term}`);
      } else if (hs.term < known.commitTerm) {
        known.commitTerm = hs.term;
      }
    }
    this.reportedCommit.set(node, hs.commit);
    if (hs.commit > this.committedIndex) this.committedIndex = hs.commit;
    if (leaderView) this.checkQuorumHolds(node, hs.commit, disk, leaderView.confState, leaderView.disks);
  }

  /**
   * Durability of a leader's commit: every quorum of the leader's configuration includes a node
   * whose disk holds the entry, so no election in that configuration can pass it over (leader
   * completeness). That is what Raft promises, and it is weaker than "a quorum of the current
   * configuration holds it" in two legitimate cases, both of configurations that take effect when
   * applied (etcd's rule):
   * - an entry committed in C_old, by a leader that had not yet applied the joint C_old,new behind
   *   it, is on a majority of C_old (the outgoing half) and perhaps on none of C_new. Every joint
   *   quorum needs a majority of C_old too, so it still meets a holder; C_new holds it once the
   *   entry that leaves the joint configuration commits, which needs a majority of both
   *   (sim seed 2039255: the new leader learned that commit from a refused vote);
   * - likewise after a single-voter change, a majority of the old voters meets every majority of
   *   the new ones, though it need not be a majority of them (2 of 4).
   * So the check fails when the nodes lacking the entry could form a quorum on their own.
   */
  private checkQuorumHolds(leader: NodeId, index: number, disk: LogStorage, cs: ConfState, disks: (id: NodeId) => LogStorage | undefined): void {
    const term = termAt(disk, index);
    if (term === undefined) return;
    const holds = (id: NodeId): boolean => {
      const d = disks(id);
      if (d === undefined) return false;
      return termAt(d, index) === term || d.firstIndex() - 1 > index;
    };
    const lackersAreMajority = (voters: readonly NodeId[]): boolean => voters.length > 0 && voters.filter((id) => !holds(id)).length * 2 > voters.length;
    const halves = cs.votersOutgoing.length > 0 ? [cs.voters, cs.votersOutgoing] : [cs.voters];
    if (halves.every(lackersAreMajority)) {
      const shown = halves.map((v) => `[${v.join(',')}]: ${v.filter(holds).length} of ${v.length}`).join(', ');
      this.fail('durability', `leader n${leader} reports index ${index} (term ${term}) committed but the nodes that lack it form a quorum (holders in ${shown})`);
    }
  }

  /** Leader append-only (§5.3): a leader of `term` persists entries from `firstIndex` on a log ending at `lastIndex`. */
  onLeaderAppend(node: NodeId, term: number, firstIndex: number, lastIndex: number): void {
    if (firstIndex <= lastIndex) {
      this.fail('leaderAppendOnly', `leader n${node} of term ${term} overwrites its own log from index ${firstIndex} (it ends at ${lastIndex})`);
    }
  }

  /** After `node` (whose persisted log is `disk`) became leader of `term`. */
  onLeader(node: NodeId, term: number, disk: LogStorage): void {
    const other = this.leaderOfTerm.get(term);
    if (other !== undefined && other !== node) this.fail('electionSafety', `n${node} and n${other} both became leader of term ${term}`);
    this.leaderOfTerm.set(term, node);
    for (let i = Math.max(1, disk.firstIndex()); i <= this.committedIndex; i++) {
      const known = this.committed[i];
      if (known === undefined || known.commitTerm >= term) continue;
      const held = termAt(disk, i);
      if (held !== known.term) {
        this.fail(
          'leaderCompleteness',
          `n${node} became leader of term ${term} without index ${i} (term ${known.term}, committed by term ${known.commitTerm}); it holds ${held === undefined ? 'nothing' : `term ${held}`}`,
        );
      }
    }
  }

  /**
   * After `node` applied `e`; `chain` is its state machine's hash after it, and `write` the write
   * that took effect (recorded the first time any node applies this index, for checking reads).
   * Applied beyond the node's persisted commit, an entry must be a normal one, on its `disk`, under
   * the commit index the Ready being handled is writing.
   */
  onApply(node: NodeId, e: Entry, chain: number, write?: Command, disk?: LogStorage): void {
    const hs = this.persistedHardState.get(node);
    if (this.options.readyContract && (hs === undefined || e.index > hs.commit) && !this.appliedWhileWriting(node, e, disk)) {
      this.fail('readyContract', `n${node} is handed index ${e.index} to apply beyond its persisted commit ${hs?.commit ?? 0}`);
    }
    const known = this.committed[e.index];
    if (known !== undefined && known.term !== e.term) {
      this.fail('durability', `n${node} applies index ${e.index} term ${e.term}, but term ${known.term} was committed there`);
    }
    const digest = digestEntry(0, e);
    const seenDigest = this.appliedDigest[e.index];
    if (seenDigest === undefined) {
      this.appliedDigest[e.index] = digest;
      if (write) this.recordWrite(write.key, { index: e.index, proposalId: write.proposalId });
    } else if (seenDigest !== digest) {
      this.fail('stateMachineSafety', `n${node} applies a different entry at index ${e.index} (term ${e.term}) than another node did`);
    }
    this.checkChain(node, e.index, chain);
  }

  private appliedWhileWriting(node: NodeId, e: Entry, disk: LogStorage | undefined): boolean {
    const writing = this.writingCommit.get(node);
    return writing !== undefined && e.index <= writing && e.kind === 'normal' && disk !== undefined && termAt(disk, e.index) === e.term;
  }

  private recordWrite(key: number, write: Write): void {
    let writes = this.writesByKey.get(key);
    if (writes === undefined) {
      writes = [];
      this.writesByKey.set(key, writes);
    }
    // Mostly appended in order; a node restored from a snapshot may apply a later index first.
    let at = writes.length;
    while (at > 0 && (writes[at - 1] as Write).index > write.index) at--;
    writes.splice(at, 0, write);
  }

  /** After `node` restored its state machine (hash `chain`) from a snapshot at `index`. */
  onRestore(node: NodeId, index: number, chain: number): void {
    this.checkChain(node, index, chain);
  }

  private checkChain(node: NodeId, index: number, chain: number): void {
    const seen = this.appliedChain[index];
    if (seen === undefined) this.appliedChain[index] = chain;
    else if (seen !== chain) this.fail('stateMachineSafety', `n${node}'s applied history up to index ${index} differs from another node's`);
  }

  /** A read may start: every write committed so far must be visible to it. */
  readStarts(): number {
    return this.committedIndex;
  }

  onReadState(node: NodeId, context: string, readIndex: number, requiredIndex: number): void {
    if (readIndex < requiredIndex) {
      this.fail('linearizableRead', `read ${context} on n${node} got read index ${readIndex}, but index ${requiredIndex} was committed before it started`);
    }
  }

  /** `node` serves the read of `key` from its state machine, which has applied up to `appliedIndex`. */
  onReadServed(node: NodeId, context: string, key: number, value: number, appliedIndex: number): void {
    const writes = this.writesByKey.get(key) ?? [];
    let expected = 0;
    for (const w of writes) {
      if (w.index > appliedIndex) break;
      expected = w.proposalId;
    }
    if (value !== expected) {
      this.fail('linearizableRead', `read ${context} of key ${key} on n${node} at applied index ${appliedIndex} returned write ${value}, expected ${expected}`);
    }
  }
}
