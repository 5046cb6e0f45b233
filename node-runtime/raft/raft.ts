// The Raft state machine (etcd's raft.go shape). Pure and deterministic: time arrives through
// tick(), randomness through config.random, and every effect is queued (msgs, readStates, the
// unstable log) for the driver to collect through RawNode.ready().

import { decodeConfChange, encodeConfChange } from './codec';
import { Changer, restoreConfig } from './confchange';
import type { ChangeResult } from './confchange';
import { entriesSize } from './entry-size';
import { ConfChangeError, invariant } from './errors';
import { RaftLog } from './log';
import { jointVoteResult } from './quorum';
import type { VoteResult } from './quorum';
import { ReadOnly } from './read-only';
import type { InflightLimits } from './tracker/inflights';
import { Progress } from './tracker/progress';
import { ProgressTracker } from './tracker/tracker';
import { NONE } from './types';
import type {
  BasicStatus,
  ConfChange,
  ConfState,
  Entry,
  EntryKind,
  HardState,
  Message,
  MessageType,
  NodeId,
  Progress as ProgressStatus,
  ProposeResult,
  ReadIndexResult,
  RaftConfig,
  RandomInt,
  ReadState,
  Role,
  Snapshot,
  Status,
  TestingKnobs,
} from './types';

/** Vote requests of a leadership transfer carry this context so voters ignore their leader lease. */
const CAMPAIGN_TRANSFER = 'campaignTransfer';

const DEFAULT_MAX_INFLIGHT = 256;
const DEFAULT_MAX_SIZE_PER_MSG = 1024 * 1024;
const NO_ENTRIES: readonly Entry[] = Object.freeze([]);
const EMPTY_DATA = new Uint8Array(0);

type CampaignKind = 'preElection' | 'election' | 'transfer';

/** A proposed entry before the leader stamps it with its term and index. */
export interface ProposedEntry {
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

type MessageFields = Partial<Omit<Message, 'type' | 'to' | 'from'>> & { type: MessageType; to: NodeId };

export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly tracker = new ProgressTracker();
  /** Outgoing messages; sent by the driver once the Ready they came with is persisted (see Ready for a leader's exception). */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  leadTransferee: NodeId = NONE;
  /** The log index of the latest membership change a leader appended; one at a time. */
  pendingConfIndex = 0;

  private electionTimeout: number;
  private heartbeatTimeout: number;
  private readonly random: RandomInt;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly inflight: InflightLimits;
  private readonly maxSizePerMsg: number;
  private readonly forwardProposals: boolean;
  private readonly knobs: TestingKnobs;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readOnly = new ReadOnly(0);
  /** Reads that arrived before this leader committed an entry of its own term. */
  private pendingReads: { from: NodeId; context: string }[] = [];
  /** Proposals were appended since the last broadcast: send them together at the next Ready. */
  private needsBroadcast = false;
  private readonly lazyCommitBroadcast: boolean;
  /** A TimeoutNow arrived while a committed membership change was still unapplied. */
  private campaignWhenApplied = false;

  /**
   * Changes the election and heartbeat timeouts while running (live configuration). The current
   * election timer is re-drawn from the new range; elapsed ticks carry over.
   */
  setTimeouts(electionTicks: number, heartbeatTicks: number): void {
    invariant(heartbeatTicks > 0 && electionTicks > heartbeatTicks, 'electionTicks must exceed heartbeatTicks > 0', this.ctx({ electionTicks, heartbeatTicks }));
    this.electionTimeout = electionTicks;
    this.heartbeatTimeout = heartbeatTicks;
    this.randomizedElectionTimeout = electionTicks + this.random(electionTicks);
  }

  constructor(config: RaftConfig & { readonly disableProposalForwarding?: boolean }) {
    invariant(config.id !== NONE, 'node id must not be 0');
    invariant(config.heartbeatTicks > 0 && config.electionTicks > config.heartbeatTicks, 'electionTicks must exceed heartbeatTicks > 0', {
      nodeId: config.id,
      electionTicks: config.electionTicks,
      heartbeatTicks: config.heartbeatTicks,
    });
    this.id = config.id;
    this.electionTimeout = config.electionTicks;
    this.heartbeatTimeout = config.heartbeatTicks;
    this.random = config.random;
    this.preVote = config.preVote ?? false;
    this.checkQuorum = config.checkQuorum ?? false;
    this.inflight = { messages: config.maxInflightMsgs ?? DEFAULT_MAX_INFLIGHT, bytes: config.maxInflightBytes ?? 0 };
    this.maxSizePerMsg = config.maxSizePerMsg ?? DEFAULT_MAX_SIZE_PER_MSG;
    this.forwardProposals = !(config.disableProposalForwarding ?? false);
    this.lazyCommitBroadcast = config.lazyCommitBroadcast ?? false;
    this.knobs = config.testingKnobs ?? {};
    this.log = new RaftLog(config.storage, () => ({ nodeId: this.id, term: this.term }));

    const { hardState, confState } = config.storage.initialState();
    this.switchToConfig(restoreConfig(confState, this.log.lastIndex(), this.inflight));
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) this.loadState(hardState);
    if (config.applied !== undefined && config.applied > 0) this.log.appliedTo(config.applied);
    this.becomeFollower(this.term, NONE);
  }

  private loadState(hs: HardState): void {
    invariant(hs.commit <= this.log.lastIndex(), 'persisted commit out of range', {
      nodeId: this.id,
      term: hs.term,
      index: hs.commit,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
    });
    // A commit below the snapshot's index is an older hard state, not a corrupt one: the driver
    // persists a snapshot received from the leader, then the hard state that goes with it, and a
    // crash between the two leaves both on disk (sim seed 9001009, profile disk). A snapshot holds
    // only committed entries, so its index is committed: keep it.
    this.log.committed = Math.max(hs.commit, this.log.committed);
    this.term = hs.term;
    this.vote = hs.vote;
  }

  private ctx(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { nodeId: this.id, term: this.term, role: this.role, ...extra };
  }

  // ---- state as the driver sees it -------------------------------------------------------------

  hardState(): HardState {
    return { term: this.term, vote: this.knobs.dontPersistVote ? NONE : this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { leader: this.lead, role: this.role };
  }

  hasPendingBroadcast(): boolean {
    return this.needsBroadcast;
  }

  status(): Status {
    const basic = this.basicStatus();
    if (this.role !== 'leader') return basic;
    const progress: Record<NodeId, ProgressStatus> = {};
    for (const id of this.tracker.ids()) {
      const pr = this.tracker.progress.get(id) as Progress;
      progress[id] = {
        match: pr.match,
        next: pr.next,
        state: pr.state,
        inflight: pr.inflights.size,
        isLearner: pr.isLearner,
        ticksSinceContact: id === this.id ? 0 : pr.ticksSinceContact,
        recentActive: id === this.id ? true : pr.recentActive,
      };
    }
    return { ...basic, progress };
  }

  /** status() without the leader's progress of each member. */
  basicStatus(): BasicStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.lead,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      firstIndex: this.log.firstIndex(),
      confState: this.tracker.confState(),
      leadTransferee: this.leadTransferee,
    };
  }

  // ---- role transitions ------------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + this.random(this.electionTimeout);
    this.leadTransferee = NONE;
    this.tracker.resetVotes();
    const lastIndex = this.log.lastIndex();
    for (const [id, old] of this.tracker.progress) {
      const pr = new Progress(lastIndex + 1, this.inflight, old.isLearner);
      // Our own match is what our disk holds: an unstable tail counts once persisted (persistedTo).
      if (id === this.id) pr.match = this.log.lastStableIndex();
      this.tracker.progress.set(id, pr);
    }
    this.pendingConfIndex = 0;
    this.readOnly = new ReadOnly(this.term);
    this.pendingReads = [];
    this.needsBroadcast = false;
    this.campaignWhenApplied = false;
  }

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    invariant(this.role !== 'leader', 'leader cannot become pre-candidate', this.ctx());
    // A pre-election changes neither term nor vote: it only asks whether an election could win.
    this.tracker.resetVotes();
    this.lead = NONE;
    this.role = 'preCandidate';
  }

  private becomeCandidate(): void {
    invariant(this.role !== 'leader', 'leader cannot become candidate', this.ctx());
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    invariant(this.role === 'candidate' || this.role === 'preCandidate', 'only a candidate can become leader', this.ctx());
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    const self = this.tracker.progress.get(this.id) as Progress;
    self.becomeReplicate();
    self.recentActive = true;
    // Any membership change still in the log may be unapplied: allow no new one until it is.
    this.pendingConfIndex = this.log.lastIndex();
    // §5.4.2: entries of earlier terms commit only once an entry of this term does (the no-op).
    this.appendEntries([{ kind: 'normal', data: EMPTY_DATA }]);
  }

  // ---- time ------------------------------------------------------------------------------------

  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.startElection();
    }
  }

  /** Campaigns as the configuration asks: a pre-election first when PreVote is on. */
  startElection(): void {
    this.hup(this.preVote ? 'preElection' : 'election');
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) continue;
      pr.ticksSinceContact++;
      // A lost snapshot would otherwise block this follower forever: retry after a while.
      if (pr.state === 'snapshot' && ++pr.ticksInSnapshot >= 2 * this.electionTimeout) pr.snapshotFailed();
    }
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (!this.tracker.isVoter(this.id)) {
        // Removed, and the handover has not happened yet: try again, with another voter if there
        // is one (the last may be down, and on a tie in match it would be picked every time).
        const unanswered = this.leadTransferee;
        this.abortLeaderTransfer();
        this.handOffLeadership(unanswered);
        return;
      }
      if (this.checkQuorum) this.checkQuorumActive();
      if (this.role === 'leader' && this.leadTransferee !== NONE) this.abortLeaderTransfer();
    }
    if (this.role !== 'leader') return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
    this.sendOwedCommits();
  }

  /** CheckQuorum: a leader that heard from no quorum during an election timeout steps down. */
  private checkQuorumActive(): void {
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) self.recentActive = true;
    if (!this.tracker.quorumActive()) {
      this.becomeFollower(this.term, NONE);
      return;
    }
    for (const [id, pr] of this.tracker.progress) if (id !== this.id) pr.recentActive = false;
  }

  // ---- elections -------------------------------------------------------------------------------

  /** Whether this node may campaign: a voter with no snapshot waiting to be persisted. */
  private promotable(): boolean {
    const pr = this.tracker.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && this.tracker.isVoter(this.id) && !this.log.hasPendingSnapshot();
  }

  private hup(kind: CampaignKind): void {
    if (this.role === 'leader' || !this.promotable()) return;
    // A committed but unapplied membership change may remove us or change the quorum: wait.
    if (this.hasUnappliedConfChange()) return;
    this.campaign(kind);
  }

  private hasUnappliedConfChange(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    if (lo > this.log.committed) return false;
    return this.log.slice(lo, this.log.committed + 1).some((e) => e.kind === 'confChange');
  }

  private campaign(kind: CampaignKind): void {
    let voteType: 'preVote' | 'vote';
    let term: number;
    if (kind === 'preElection') {
      this.becomePreCandidate();
      voteType = 'preVote';
      // Ask as if for the next term, without moving to it.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = 'vote';
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      // A single-voter cluster wins on its own vote.
      if (kind === 'preElection') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of this.tracker.voterIds()) {
      if (id === this.id) continue;
      this.send({
        type: voteType,
        to: id,
        term,
        index: lastIndex,
        logTerm: lastTerm,
        // What we know is committed: a voter whose log holds our last entry may learn it.
        commit: this.log.committed,
        ...(kind === 'transfer' ? { context: CAMPAIGN_TRANSFER } : {}),
      });
    }
  }

  private poll(from: NodeId, granted: boolean): VoteResult {
    this.tracker.recordVote(from, granted);
    return this.tracker.tallyVotes().result;
  }

  private handleVoteRequest(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      // A pre-vote for a future term commits us to nothing.
      (m.type === 'preVote' && m.term > this.term);
    const upToDate = this.knobs.skipVoteLogCheck === true || this.log.isUpToDate(m.index, m.logTerm);
    // Two planted bugs (testing knobs): membership is no reason to refuse a vote.
    const refusedByKnob =
      (this.knobs.learnersRefuseVotes === true && !this.tracker.isVoter(this.id)) ||
      (this.knobs.refuseNonVoterCandidates === true && !this.tracker.isVoter(m.from));
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    if (canVote && upToDate && !refusedByKnob) {
      // The response carries the requested term so a pre-candidate can count it.
      this.send({ type: respType, to: m.from, term: m.term });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.refuseVote(m);
    }
  }

  /**
   * Refuses a (pre-)vote request at our current term. The refusal tells the candidate what we know
   * is committed (index and term), and we learn from the request what it knows: see commitByVote.
   */
  private refuseVote(m: Message): void {
    const commit = this.log.committed;
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    this.send({ type: respType, to: m.from, term: this.term, reject: true, commit, logTerm: this.log.zeroTermOnCompacted(commit) });
    this.commitByVote(Math.min(m.commit, m.index), m.index, m.logTerm);
  }

  /**
   * Learns that `commit` is committed from a peer in an election (a refused vote, or a vote
   * request we refuse), as raft-rs does (tikv/raft-rs#411, a port of etcd-io/etcd#12435). The
   * peer knows `commit` is committed in its log, and its log holds the entry (anchorIndex,
   * anchorTerm), with commit <= anchorIndex. If ours holds that entry too, the Log Matching
   * property makes both logs identical up to it, so `commit` is committed in ours as well.
   *
   * Configuration changes take effect when applied, so without this an election can deadlock
   * for good: the only voters of a new configuration did not learn that it committed (they crashed
   * first) and still campaign in the old one, where the old members, whose logs are longer, refuse
   * them; those old members applied the change, are voters no more and never campaign. With it, the
   * refusal carries the commit index, the candidate applies the change and campaigns in the new
   * configuration. Likewise a node with the longest log that did not learn of its promotion learns
   * it from a candidate whose vote request it refuses.
   */
  private commitByVote(commit: number, anchorIndex: number, anchorTerm: number): void {
    if (this.role === 'leader' || commit <= this.log.committed || commit > anchorIndex || anchorTerm === 0) return;
    if (!this.log.matchTerm(anchorIndex, anchorTerm)) return;
    this.log.commitTo(commit);
    // A candidate counts votes in the configuration it had when it started; one that now has a
    // committed membership change to apply stops (hup waits for it to be applied, then campaigns).
    if ((this.role === 'candidate' || this.role === 'preCandidate') && this.hasUnappliedConfChange()) this.becomeFollower(this.term, NONE);
  }

  // ---- message dispatch ------------------------------------------------------------------------

  step(m: Message): void {
    invariant(m.to === this.id, 'message delivered to the wrong node', this.ctx({ type: m.type, from: m.from, to: m.to }));
    // Forwarded proposals and reads carry no term: they are requests, not Raft protocol state.
    if (m.term !== 0 && !this.stepTerm(m)) return;
    switch (m.type) {
      case 'vote':
      case 'preVote':
        this.handleVoteRequest(m);
        return;
      case 'voteResp':
      case 'preVoteResp':
        // Even when it is not (or no longer) ours to count: what it says about commit holds.
        if (m.reject) this.commitByVote(m.commit, m.commit, m.logTerm);
        if (this.role === 'preCandidate' || this.role === 'candidate') this.stepCandidate(m);
        return;
      default:
        if (this.role === 'leader') this.stepLeader(m);
        else if (this.role === 'follower') this.stepFollower(m);
        else this.stepCandidate(m);
    }
  }

  /** Applies the term rules common to all roles; returns false when the message must be dropped. */
  private stepTerm(m: Message): boolean {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        // We heard from a live leader within the election timeout: this candidate is disruptive.
        // CheckQuorum makes that a lease for real votes too; PreVote alone applies it to pre-votes
        // (Raft thesis §9.6), so a node back from a partition cannot depose a healthy leader.
        const leaseApplies = this.checkQuorum || m.type === 'preVote';
        const inLease = leaseApplies && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        if (inLease && m.context !== CAMPAIGN_TRANSFER) return false;
      }
      if (m.type === 'preVote' || (m.type === 'preVoteResp' && !m.reject)) {
        // Pre-votes never move terms; a granted pre-vote carries the candidate's future term.
        return true;
      }
      const fromLeader = m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap';
      if (fromLeader) {
        this.becomeFollower(m.term, m.from);
      } else {
        // §5.2: only hearing from the current leader or granting a vote restarts the election
        // timer (handleVoteRequest does the latter). A higher term alone does not: otherwise a
        // candidate whose log is too stale to win would hold off, term after term, the nodes
        // that could win.
        const elapsed = this.electionElapsed;
        this.becomeFollower(m.term, NONE);
        this.electionElapsed = elapsed;
      }
      return true;
    }
    if (m.term < this.term) {
      if (m.type === 'heartbeat' || m.type === 'app') {
        // §5.1: a stale leader learns our term from the response and steps down (e.g. one back
        // from a partition, or a removed leader still handing over).
        this.send({ type: 'appResp', to: m.from });
      } else if (m.type === 'vote' || m.type === 'preVote') {
        // §5.1: a request with a stale term is refused with our term, and the candidate adopts it.
        // etcd drops a stale vote request instead; without PreVote that can stop elections for
        // good (sim seed 2012434): a voter that missed a membership change (its log too short to
        // see it) campaigns again and again in its old configuration, where it cannot win, and
        // its term runs ahead of the one node that can win, whose requests it then drops unseen.
        // Told our term, that node campaigns above it and gets the vote.
        this.refuseVote(m);
      }
      return false;
    }
    return true;
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'prop': {
        const appended = this.proposeAsLeader(m.entries);
        const pr = this.tracker.progress.get(m.from);
        if (appended.ok && m.from !== this.id && pr !== undefined) pr.relayedUpTo = appended.index;
        return;
      }
      case 'readIndex':
        this.readIndexAsLeader(m.from, m.context ?? '');
        return;
      case 'transferLeader':
        this.transferAsLeader(m.index);
        return;
      default:
        break;
    }
    const pr = this.tracker.progress.get(m.from);
    if (pr === undefined) return;
    pr.ticksSinceContact = 0;
    if (m.type === 'appResp') this.handleAppendResponse(m, pr);
    else if (m.type === 'heartbeatResp') this.handleHeartbeatResponse(m, pr);
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'prop':
        if (this.lead !== NONE && this.forwardProposals) this.send({ type: 'prop', to: this.lead, term: 0, entries: m.entries });
        return;
      case 'app':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'snap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'transferLeader':
        if (this.lead !== NONE) this.send({ type: 'transferLeader', to: this.lead, index: m.index });
        return;
      case 'timeoutNow':
        // The leader hands over: campaign at once, skipping PreVote and the voters' lease. A
        // committed membership change we have not applied yet comes first (hup would refuse).
        if (this.hasUnappliedConfChange()) this.campaignWhenApplied = true;
        else this.hup('transfer');
        return;
      case 'readIndexResp':
        this.readStates.push({ index: m.index, context: m.context ?? '' });
        return;
      default:
        // A misdirected readIndex (we are not the leader) is dropped; the client retries.
        return;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'app':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'voteResp':
      case 'preVoteResp': {
        const expected = this.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
        if (m.type !== expected) return;
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.role === 'preCandidate') {
            this.campaign('election');
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        // Proposals and reads are dropped while there is no leader.
        return;
    }
  }

  // ---- replication: follower side --------------------------------------------------------------

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send({ type: 'appResp', to: m.from, index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send({ type: 'appResp', to: m.from, index: lastNew });
      return;
    }
    // Fast backtracking: tell the leader the last index whose term could still match, so it
    // skips a whole term of conflicting entries per round trip instead of one entry.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({ type: 'appResp', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  private handleHeartbeat(m: Message): void {
    // The leader never sends a commit beyond what it believes we hold; more than our log means
    // this node lost its log (e.g. its data directory was wiped). Say so, so the leader
    // re-replicates from what we really have instead of us refusing every heartbeat.
    const lastIndex = this.log.lastIndex();
    const lostLog = m.commit > lastIndex;
    this.log.commitTo(Math.min(m.commit, lastIndex));
    this.send({
      type: 'heartbeatResp',
      to: m.from,
      ...(lostLog ? { reject: true, rejectHint: lastIndex } : {}),
      ...(m.context === undefined ? {} : { context: m.context }),
    });
  }

  private handleSnapshot(m: Message): void {
    invariant(m.snapshot !== undefined, 'snap message without a snapshot', this.ctx({ from: m.from }));
    if (this.restore(m.snapshot)) this.send({ type: 'appResp', to: m.from, index: this.log.lastIndex() });
    else this.send({ type: 'appResp', to: m.from, index: this.log.committed });
  }

  /** Replaces the log with a snapshot from the leader; false if it brings nothing new. */
  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.log.committed) return false;
    invariant(this.role === 'follower', 'snapshot restored by a non-follower', this.ctx({ index }));
    // The snapshot's membership may not include us yet: a joining node often receives a snapshot
    // taken before the change that added it, and learns of its own membership from the log after.
    if (this.log.matchTerm(index, term)) {
      // We already hold the snapshot's last entry: just learn that it is committed.
      this.log.commitTo(index);
      return false;
    }
    // Not while the driver applies committed entries of the outstanding Ready: a membership change
    // among them is applied to the configuration in force, and replacing that with the snapshot's
    // newer one first would apply an old change on top of a later configuration (simulator seed
    // 9019954: a slow disk held a Ready with a simple change while a snapshot at a joint
    // configuration arrived, and applying the change threw). Steps may reach the core between
    // ready() and advance(), so this can happen on any driver that persists asynchronously. The
    // snapshot is refused as one that brings nothing new; the leader sends it again once this
    // node's answer shows it still lags.
    if (this.log.isApplying()) return false;
    this.log.restore(s);
    this.switchToConfig(restoreConfig(confState, this.log.lastIndex(), this.inflight));
    return true;
  }

  // ---- replication: leader side ----------------------------------------------------------------

  private appendEntries(proposed: readonly ProposedEntry[]): void {
    const last = this.log.lastIndex();
    const ents: Entry[] = proposed.map((e, i) => ({ term: this.term, index: last + 1 + i, kind: e.kind, data: e.data }));
    // The leader counts itself toward a quorum only once the driver has made these entries
    // durable (persistedTo): the driver may send them while it writes them.
    this.log.append(ents);
  }

  /**
   * The driver made the log durable up to `index` (of `term`): a leader now counts itself for
   * those entries. Raft thesis §10.2.1 lets a leader write its log in parallel with replicating
   * it, so followers' acknowledgements may arrive before its own write completes; counting itself
   * at append time would let an entry commit on the leader's memory and one follower's disk, and
   * a crash of the leader could then lose it.
   */
  persistedTo(index: number, term: number): void {
    if (this.role !== 'leader' || !this.log.matchTerm(index, term)) return;
    const self = this.tracker.progress.get(this.id);
    if (self === undefined || !self.maybeUpdate(index)) return;
    if (this.maybeCommit()) {
      this.releasePendingReads();
      this.commitAdvanced();
    }
  }

  /** Advances commit to the highest index stored on a quorum, if that entry is of this term. */
  private maybeCommit(): boolean {
    const quorumIndex = this.tracker.committed();
    return this.log.maybeCommit(quorumIndex, this.term, this.knobs.commitPreviousTermEntries === true);
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      const hint = m.logTerm > 0 ? this.log.findConflictByTerm(m.rejectHint, m.logTerm).index : m.rejectHint;
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) {
      // The follower caught up past the compacted prefix: plain appends work again.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.releasePendingReads();
      this.commitAdvanced();
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    // Fill the pipeline while the window allows.
    while (this.maybeSendAppend(m.from, false));
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    if (m.reject && m.rejectHint < pr.match) pr.resetAfterLogLoss(m.rejectHint);
    // A window that stayed full, with no acknowledgement between two heartbeat rounds, means
    // appends were lost (the transport may drop silently): re-probe from the match index.
    if (pr.state === 'replicate' && pr.inflights.full() && pr.match === pr.matchAtLastHeartbeat) pr.becomeProbe();
    pr.matchAtLastHeartbeat = pr.match;
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.context === undefined || m.context === '') return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (acks === undefined) return;
    const votes = new Map<NodeId, boolean>();
    for (const id of acks) votes.set(id, true);
    if (jointVoteResult(this.tracker.config, votes) !== 'won') return;
    for (const req of this.readOnly.advance(m.context)) this.respondToRead(req.from, req.index, req.context);
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends the entries `to` is missing (or a snapshot when they were compacted away), unless its
   * progress is paused. With `sendIfEmpty` false, nothing is sent when there are no new entries.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.tracker.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    if (prevIndex < this.log.firstIndex() - 1) return this.maybeSendSnapshot(to, pr);
    const ents = this.log.entriesFrom(pr.next, this.maxSizePerMsg);
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send({ type: 'app', to, index: prevIndex, logTerm: this.log.term(prevIndex), entries: ents, commit: this.log.committed });
    pr.commitSent = this.log.committed;
    const last = ents[ents.length - 1];
    pr.sentEntries(ents.length, last === undefined ? prevIndex : last.index, entriesSize(ents));
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    // Only to a follower we have heard from: a snapshot is large, don't send it into the void.
    if (!pr.recentActive) return false;
    const snapshot = this.log.snapshot();
    invariant(snapshot.metadata.index >= this.log.firstIndex() - 1, 'compacted log without a covering snapshot', this.ctx({
      index: snapshot.metadata.index,
      firstIndex: this.log.firstIndex(),
    }));
    this.send({ type: 'snap', to, snapshot });
    pr.becomeSnapshot(snapshot.metadata.index);
    return true;
  }

  private bcastAppend(): void {
    for (const id of this.tracker.ids()) if (id !== this.id) this.sendAppend(id);
  }

  /**
   * The commit index moved. With lazyCommitBroadcast, followers with entries to receive get them
   * now (carrying it) and the others learn it from the next append or at the next tick
   * (sendOwedCommits). Telling each follower every commit at once, in a message of its own, costs
   * a frame each way per write and a follower Ready that writes the new commit to its log ahead
   * of the next append's entries, and the leader's answer to the client waits for neither. A
   * follower's commit index only decides when it applies, so the delay (a tick at most) makes its
   * local reads a little staler and changes nothing Raft promises.
   */
  private commitAdvanced(): void {
    if (!this.lazyCommitBroadcast) {
      this.bcastAppend();
      return;
    }
    for (const id of this.tracker.ids()) if (id !== this.id) this.maybeSendAppend(id, false);
    this.tellRelayersCommit();
  }

  /**
   * A follower that relayed a proposal answers its client once it has applied the entry itself
   * (etcd's way), so it learns that its entry committed now, in an empty append, rather than at
   * the next append or tick: at one write in flight no append comes sooner.
   */
  private tellRelayersCommit(): void {
    const committed = this.log.committed;
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id || pr.relayedUpTo === 0 || pr.relayedUpTo > committed) continue;
      pr.relayedUpTo = 0;
      if (pr.commitSent < committed) this.sendAppend(id);
    }
  }

  /**
   * At each leader tick, and when the driver finds the leader idle (RawNode.tellCommit): an empty
   * append to every follower not yet told the current commit.
   */
  sendOwedCommits(): void {
    if (!this.lazyCommitBroadcast || this.role !== 'leader') return;
    for (const [id, pr] of this.tracker.progress) {
      if (id !== this.id && pr.commitSent < this.log.committed) this.sendAppend(id);
    }
  }

  /** Sends the proposals appended since the last Ready, one batch per follower. */
  flushBroadcast(): void {
    if (!this.needsBroadcast) return;
    this.needsBroadcast = false;
    for (const id of this.tracker.ids()) if (id !== this.id) this.maybeSendAppend(id, false);
  }

  private bcastHeartbeat(context?: string): void {
    const ctx = context ?? this.readOnly.lastPendingKey();
    for (const id of this.tracker.ids()) {
      if (id === this.id) continue;
      const pr = this.tracker.progress.get(id) as Progress;
      // Never tell a follower to commit past what it is known to hold.
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', to: id, commit, ...(ctx === undefined ? {} : { context: ctx }) });
      pr.commitSent = Math.max(pr.commitSent, commit);
    }
  }

  // ---- proposals -------------------------------------------------------------------------------

  propose(entries: readonly ProposedEntry[]): ProposeResult {
    invariant(entries.length > 0, 'empty proposal', this.ctx());
    if (this.role === 'leader') return this.proposeAsLeader(entries);
    if (this.role !== 'follower' || this.lead === NONE) return { ok: false, reason: 'notLeader', leader: NONE };
    if (!this.forwardProposals) return { ok: false, reason: 'notLeader', leader: this.lead };
    const forwarded = entries.map((e) => ({ term: 0, index: 0, kind: e.kind, data: e.data }));
    this.send({ type: 'prop', to: this.lead, term: 0, entries: forwarded });
    return { ok: true, index: 0, term: 0 };
  }

  /**
   * A follower sends `entries` to its leader as a proposal (MsgProp), whatever
   * disableProposalForwarding says: the caller tracks the outcome itself (by a request id the
   * entries carry), since a proposal in flight can be lost with the leader. Returns the leader it
   * went to, or NONE when this node is no follower of a known leader (nothing was sent).
   */
  relayProposal(entries: readonly ProposedEntry[]): NodeId {
    invariant(entries.length > 0, 'empty proposal', this.ctx());
    if (this.role !== 'follower' || this.lead === NONE) return NONE;
    this.send({ type: 'prop', to: this.lead, term: 0, entries: entries.map((e) => ({ term: 0, index: 0, kind: e.kind, data: e.data })) });
    return this.lead;
  }

  private proposeAsLeader(entries: readonly ProposedEntry[]): ProposeResult {
    if (!this.tracker.isVoter(this.id)) return { ok: false, reason: 'dropped', leader: NONE };
    if (this.leadTransferee !== NONE) return { ok: false, reason: 'transferInProgress', leader: this.id };
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as ProposedEntry;
      if (e.kind !== 'confChange') continue;
      const refusal = this.refuseConfChange(decodeConfChange(e.data));
      if (refusal !== undefined) return refusal;
      this.pendingConfIndex = this.log.lastIndex() + i + 1;
    }
    this.appendEntries(entries);
    this.needsBroadcast = true;
    return { ok: true, index: this.log.lastIndex(), term: this.term };
  }

  private refuseConfChange(cc: ConfChange): ProposeResult | undefined {
    const alreadyJoint = this.tracker.isJoint();
    const leaving = cc.transition === 'leaveJoint';
    if (this.pendingConfIndex > this.log.applied || alreadyJoint !== leaving) {
      return { ok: false, reason: 'confChangePending', leader: this.id };
    }
    // Promoting a learner that has not caught up would add a voter that cannot help a quorum yet.
    for (const c of cc.changes) {
      const pr = this.tracker.progress.get(c.nodeId);
      if (c.op === 'addVoter' && pr !== undefined && pr.isLearner && pr.match < this.log.committed) {
        return { ok: false, reason: 'dropped', leader: this.id };
      }
    }
    // The change must be valid for the configuration it will be applied to. No other change is
    // pending (checked above), so every membership entry before this one in the log is already
    // applied here: that configuration is ours, and every node applies the change to it. A change
    // built against an older membership (e.g. forwarded by a lagging follower) is turned away
    // here, before it can commit and make every node fail to apply it.
    try {
      new Changer(this.tracker, this.log.lastIndex(), this.inflight).apply(cc);
    } catch (err) {
      if (err instanceof ConfChangeError) return { ok: false, reason: 'invalidConfChange', leader: this.id };
      throw err;
    }
    return undefined;
  }

  /** The driver applied more entries (RawNode.advance). */
  afterApplied(): void {
    this.maybeAutoLeave();
    if (this.campaignWhenApplied && !this.hasUnappliedConfChange()) {
      this.campaignWhenApplied = false;
      this.hup('transfer');
    }
  }

  /** Leaves a joint configuration on its own once the change that entered it is applied. */
  private maybeAutoLeave(): void {
    if (this.role !== 'leader' || !this.tracker.config.autoLeave || this.log.applied < this.pendingConfIndex) return;
    this.proposeAsLeader([{ kind: 'confChange', data: encodeConfChange({ changes: [], transition: 'leaveJoint' }) }]);
  }

  // ---- membership ------------------------------------------------------------------------------

  /** Applies a committed membership change (called by the driver while applying the entry). */
  applyConfChange(cc: ConfChange): ConfState {
    const changer = new Changer(this.tracker, this.log.lastIndex(), this.inflight);
    return this.switchToConfig(changer.apply(cc));
  }

  private switchToConfig(change: ChangeResult): ConfState {
    this.tracker.config = change.config;
    this.tracker.progress = change.progress;
    if (this.role === 'leader' && !this.tracker.isVoter(this.id)) this.handOffLeadership();
    if (this.role === 'leader' && this.tracker.config.incoming.size > 0) {
      // The quorum changed: commit may advance, and new members need their first append.
      if (this.maybeCommit()) this.bcastAppend();
      else for (const id of this.tracker.ids()) if (id !== this.id) this.maybeSendAppend(id, false);
      if (this.leadTransferee !== NONE && !this.tracker.isVoter(this.leadTransferee)) this.abortLeaderTransfer();
    }
    return this.tracker.confState();
  }

  // ---- linearizable reads ----------------------------------------------------------------------

  readIndex(context: string): ReadIndexResult {
    if (this.role === 'leader' && !this.tracker.isVoter(this.id)) return { ok: false, reason: 'notLeader', leader: NONE };
    if (this.role === 'leader') {
      this.readIndexAsLeader(this.id, context);
      return { ok: true };
    }
    if (this.role !== 'follower' || this.lead === NONE) return { ok: false, reason: 'notLeader', leader: NONE };
    this.send({ type: 'readIndex', to: this.lead, term: 0, context });
    return { ok: true };
  }

  private readIndexAsLeader(from: NodeId, context: string): void {
    // Until an entry of this term commits, our commit index may lag what earlier leaders committed.
    // A lone voter too: it commits its no-op only once it has written it (persistedTo), and an
    // entry an earlier leader committed may be in its log and not yet known committed here.
    if (this.log.zeroTermOnCompacted(this.log.committed) !== this.term) {
      this.pendingReads.push({ from, context });
      return;
    }
    this.confirmRead(from, context);
  }

  private confirmRead(from: NodeId, context: string): void {
    if (this.tracker.isSingleton() && this.tracker.isVoter(this.id)) {
      this.respondToRead(from, this.log.committed, context);
      return;
    }
    const key = this.readOnly.addRequest(this.log.committed, from, context);
    this.readOnly.recvAck(this.id, key);
    this.bcastHeartbeat(key);
  }

  private releasePendingReads(): void {
    if (this.pendingReads.length === 0 || this.log.zeroTermOnCompacted(this.log.committed) !== this.term) return;
    const reads = this.pendingReads;
    this.pendingReads = [];
    for (const r of reads) this.confirmRead(r.from, r.context);
  }

  private respondToRead(from: NodeId, index: number, context: string): void {
    if (from === this.id) this.readStates.push({ index, context });
    else this.send({ type: 'readIndexResp', to: from, index, context });
  }

  // ---- leadership transfer ---------------------------------------------------------------------

  transferLeadership(transferee: NodeId): void {
    if (this.role === 'leader') this.transferAsLeader(transferee);
    else if (this.role === 'follower' && this.lead !== NONE) this.send({ type: 'transferLeader', to: this.lead, index: transferee });
  }

  private transferAsLeader(transferee: NodeId): void {
    const pr = this.tracker.progress.get(transferee);
    if (pr === undefined || pr.isLearner || !this.tracker.isVoter(transferee)) return;
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === transferee) return;
      this.abortLeaderTransfer();
    }
    if (transferee === this.id) return;
    // The transfer must finish within one election timeout, or it is abandoned.
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee);
  }

  /**
   * A leader removed (or demoted) by the configuration it just applied stops leading. It first
   * hands over to the most up-to-date remaining voter: stepping down at once could leave the
   * voters unaware that the change committed, and with logs shorter than the removed nodes',
   * so that none of them could win an election. It retries every election timeout until the
   * new leader's higher term reaches it, each time `avoid`ing the voter that did not take over
   * (it may be down) while another remains; meanwhile it accepts no proposals and serves no reads.
   */
  private handOffLeadership(avoid: NodeId = NONE): void {
    if (this.knobs.removedLeaderKeepsLeading === true) return;
    const voters = this.tracker.voterIds().filter((id) => id !== this.id);
    const others = voters.filter((id) => id !== avoid);
    let best: NodeId = NONE;
    let bestMatch = -1;
    for (const id of others.length > 0 ? others : voters) {
      const pr = this.tracker.progress.get(id);
      if (pr !== undefined && pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (best === NONE) this.becomeFollower(this.term, NONE);
    else this.transferAsLeader(best);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: 'timeoutNow', to });
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  // ---- feedback from the transport -------------------------------------------------------------

  reportUnreachable(id: NodeId): void {
    const pr = this.tracker.progress.get(id);
    if (this.role === 'leader' && pr !== undefined && pr.state === 'replicate') pr.becomeProbe();
  }

  /**
   * The stream that carried `from`'s messages here closed (EOF or RST). A leader whose process
   * died closes it at once, long before its silence could be noticed. If `from` is our leader,
   * this follower stops counting on it: it leaves the leader's lease (so it can grant pre-votes)
   * and campaigns after a short grace instead of a whole election timeout. The followers of a
   * dead leader all hear of it at once, so the grace staggers them by rank (this node's place
   * among the other voters, by id) in steps of a heartbeat interval (two ticks at least), plus up
   * to one step of jitter: the first to ask usually wins before the next one starts, where equal
   * random waits would split the vote and cost a full election timeout.
   *
   * Why this cannot disrupt a live leader on its own: timing never touches safety (at most one
   * leader per term holds whatever the clocks do), only availability, and availability is what
   * PreVote and CheckQuorum guard. The campaign starts with a pre-vote, which moves no term; it
   * wins only if a majority grants it, and every voter that still hears from the leader within
   * an election timeout refuses it (the lease). So a connection that flaps while the leader is
   * alive costs at most a refused pre-vote, unless a majority lost the leader at once, which is
   * an outage either way. A heartbeat arriving on a new stream during the grace restores the
   * leader and the lease as any heartbeat does.
   */
  reportConnectionClosed(from: NodeId): void {
    if (this.role !== 'follower' || from === NONE || this.lead !== from) return;
    this.lead = NONE;
    const rank = Math.max(0, this.tracker.voterIds().filter((id) => id !== from).sort((a, b) => a - b).indexOf(this.id));
    // At least two ticks a step: clocks tick at their own phase, so one tick apart may be none.
    const step = Math.max(2, this.heartbeatTimeout);
    const grace = step * (1 + rank) + this.random(step);
    this.electionElapsed = Math.max(this.electionElapsed, this.randomizedElectionTimeout - grace);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.tracker.progress.get(id);
    if (this.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
    if (!ok) pr.snapshotFailed();
    else pr.becomeProbe();
    // Wait for the follower's answer before sending more.
    pr.probeSent = true;
  }

  // ---- output ----------------------------------------------------------------------------------

  private send(f: MessageFields): void {
    this.msgs.push({
      from: this.id,
      term: this.term,
      logTerm: 0,
      index: 0,
      entries: NO_ENTRIES,
      commit: 0,
      reject: false,
      rejectHint: 0,
      ...f,
    });
  }
}
