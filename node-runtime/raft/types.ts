// The contract of the Raft core: the data it exchanges with the code that drives it.
//
// The core is a pure state machine in the style of etcd's raft package. The driver (a real node,
// or the simulator) calls tick(), step(), propose() and friends, then collects a Ready: what to
// persist, what to send and what to apply. Nothing here performs I/O or reads a clock.
//
// The driving API is `RawNode` (rawnode.ts); `MemoryStorage` (memory-storage.ts) is the log the
// core reads, and `MemoryStorage.withVoters(ids)` starts a new cluster. The Ready contract is
// documented on `Ready` below; `node-runtime/node/raft-driver.ts` carries it out.

/** A node's id within the cluster. 0 is never a valid id and means "none". */
export type NodeId = number;
export const NONE: NodeId = 0;

export type EntryKind = 'normal' | 'confChange';

/** One log entry. `data` is opaque to the core for 'normal' entries (empty for a leader's no-op). */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** What must be durable before any message that depends on it is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

/**
 * The cluster membership at some log index. With joint consensus, `votersOutgoing` is the old
 * voter set while the configuration is joint and empty otherwise.
 */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly votersOutgoing: readonly NodeId[];
  /** Learners that become voters when the joint configuration is left. */
  readonly learnersNext: readonly NodeId[];
  /** Leave the joint configuration automatically once it commits. */
  readonly autoLeave: boolean;
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** The application's serialized state machine at `metadata.index`. */
  readonly data: Uint8Array;
}

export type ConfChangeOp = 'addVoter' | 'addLearner' | 'removeNode';

export interface ConfChangeSingle {
  readonly op: ConfChangeOp;
  readonly nodeId: NodeId;
}

/**
 * A membership change. One change with `transition: 'auto'` is a single-server change applied
 * directly; several changes (or `transition: 'joint'`) go through joint consensus. An empty
 * `changes` list with `transition: 'leaveJoint'` leaves a joint configuration.
 */
export interface ConfChange {
  readonly changes: readonly ConfChangeSingle[];
  readonly transition: 'auto' | 'joint' | 'leaveJoint';
  /** Opaque application context (e.g. the new node's addresses). */
  readonly context?: string;
}

export type MessageType =
  | 'app' // append entries (also carries commit)
  | 'appResp'
  | 'vote'
  | 'voteResp'
  | 'preVote'
  | 'preVoteResp'
  | 'heartbeat'
  | 'heartbeatResp'
  | 'snap' // InstallSnapshot
  | 'timeoutNow' // leadership transfer: campaign now, ignoring the election timer
  | 'readIndex' // a follower forwards a linearizable read to the leader
  | 'readIndexResp'
  | 'prop' // a follower forwards a proposal to the leader
  | 'transferLeader'; // a follower asks the leader to transfer leadership

/** A message between two cores. Fields unused by a type are left at 0 / empty. */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /**
   * app: term of the entry at `index`; vote/preVote: candidate's last log term;
   * voteResp/preVoteResp with reject: term of the entry at `commit`.
   */
  readonly logTerm: number;
  /**
   * app: index preceding `entries`; appResp: the index acknowledged or rejected;
   * readIndexResp: the index the read must wait for; transferLeader: the transferee.
   */
  readonly index: number;
  readonly entries: readonly Entry[];
  /**
   * app/heartbeat: the leader's commit index; vote/preVote: the candidate's; voteResp/preVoteResp
   * with reject: the voter's (with its term in `logTerm`), so that the candidate may learn it.
   */
  readonly commit: number;
  readonly reject: boolean;
  /** appResp with reject: the follower's hint for fast backtracking (etcd's RejectHint). */
  readonly rejectHint: number;
  readonly snapshot?: Snapshot;
  /** heartbeat/readIndex round-trips: the read request context being confirmed. */
  readonly context?: string;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** A linearizable read became safe: the state machine may serve it once applied >= index. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

/**
 * One batch of work for the driver. The driver must, in this order:
 *  1. persist `snapshot` (if any), `entries` and `hardState` (if any) — durably when `mustSync`;
 *  2. send `messages`;
 *  3. apply `committedEntries` (and restore `snapshot` into the state machine first if present);
 *  4. call `advance()`.
 * Sending a message before the data it depends on is durable breaks Raft's safety. One exception
 * (Raft thesis §10.2.1): a leader whose term and vote are already durable may send a Ready's
 * messages while it persists the Ready's entries, since nothing it sends then claims that its own
 * log holds them. The core counts the leader's own copy toward a quorum only at advance(), once
 * the driver has made the entries durable.
 */
export interface Ready {
  /** Set when role or leader changed since the last Ready. */
  readonly softState?: { readonly leader: NodeId; readonly role: Role };
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  readonly mustSync: boolean;
}

/**
 * The read side of durable storage, implemented by the application (MemoryStorage for tests and
 * as the in-memory mirror of the node's write-ahead log).
 */
export interface LogStorage {
  /** Hard state and membership as of the last persisted state (after a restart). */
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi); at least one entry is returned even when it exceeds maxBytes. */
  entries(lo: number, hi: number, maxBytes?: number): Entry[];
  /** Term of the entry at index i; i may be the snapshot index (firstIndex - 1). */
  term(i: number): number;
  /** Index of the first entry still in the log (snapshot index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

/** A deterministic random source: returns an integer in [0, n). Injected so one seed replays a run. */
export type RandomInt = (n: number) => number;

export interface RaftConfig {
  readonly id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns (randomized in [t, 2t)). */
  readonly electionTicks: number;
  /** Ticks between a leader's heartbeats. Must be < electionTicks. */
  readonly heartbeatTicks: number;
  readonly storage: LogStorage;
  readonly random: RandomInt;
  /** Entries the driver has already applied (after a restart). */
  readonly applied?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /** Max append messages in flight per follower before pausing (pipelining bound). */
  readonly maxInflightMsgs?: number;
  /** Max bytes of entries per append message (batching). */
  readonly maxSizePerMsg?: number;
  /**
   * Max bytes of entries in the appends in flight to one follower (0 or absent: bounded by
   * maxInflightMsgs only). Also bounds how much of an old backlog the leader reads at once.
   */
  readonly maxInflightBytes?: number;
  /**
   * When the commit index moves, tell a follower with no new entries to receive at the next tick
   * (or with the next append, whichever comes first) instead of at once in an empty append of its
   * own. Followers then apply up to a tick later; what Raft promises is unchanged. Off by default
   * (etcd's behaviour); real nodes and the simulator turn it on (issue #11: one frame each way and
   * a follower Ready fewer per write).
   */
  readonly lazyCommitBroadcast?: boolean;
  /** Deliberately broken variants, for proving that the simulator catches bugs. Never set in production. */
  readonly testingKnobs?: TestingKnobs;
}

export interface TestingKnobs {
  /** Commit by counting replicas of entries from earlier terms (violates Raft §5.4.2). */
  readonly commitPreviousTermEntries?: boolean;
  /** Grant votes without checking the candidate's log is at least as up to date. */
  readonly skipVoteLogCheck?: boolean;
  /** Leave the vote out of the persisted hard state. */
  readonly dontPersistVote?: boolean;
  /** A node that believes it is a learner refuses every vote (etcd-io/etcd#10998 fixed the opposite). */
  readonly learnersRefuseVotes?: boolean;
  /**
   * A leader removed or demoted by a change it applied goes on leading, taking no proposals as a
   * non-voter: it never hands over (the Raft paper §6 has it step down once C_new commits).
   */
  readonly removedLeaderKeepsLeading?: boolean;
  /**
   * Refuse a vote to a candidate that is not a voter in our configuration: a learner promoted by
   * a change we have not yet applied (it holds a newer configuration than ours) cannot win.
   */
  readonly refuseNonVoterCandidates?: boolean;
}

export interface Progress {
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  readonly inflight: number;
  readonly isLearner: boolean;
  /** Ticks since the leader last heard from this follower. */
  readonly ticksSinceContact: number;
  readonly recentActive: boolean;
}

/** Everything the dashboard shows about one core. */
/**
 * Where the node stands, without the leader's view of each follower: what a caller that asks on
 * every request needs (etcd's BasicStatus), cheaper than Status (no progress record per member).
 */
export interface BasicStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly firstIndex: number;
  readonly confState: ConfState;
  readonly leadTransferee: NodeId;
}

export interface Status extends BasicStatus {
  /** Present on the leader only. */
  readonly progress?: Readonly<Record<NodeId, Progress>>;
}

/**
 * The answer to propose / proposeConfChange / readIndex. `ok` means accepted (appended by the
 * leader or forwarded to it), not committed. `confChangePending`: another membership change is
 * not applied yet, or the change does not fit the joint state. `dropped`: the change would promote
 * a learner that has not caught up, or this leader was removed from the configuration.
 * `invalidConfChange`: the change cannot be applied to the leader's current membership (e.g. it
 * would remove every voter, or was built against an older membership); it is never appended.
 */
/** Why the core turned a proposal or a read request away. */
export type Refusal =
  | { readonly ok: false; readonly reason: 'notLeader'; readonly leader: NodeId }
  | { readonly ok: false; readonly reason: 'transferInProgress' | 'confChangePending' | 'dropped' | 'invalidConfChange'; readonly leader: NodeId };

export type ProposeResult =
  /** Appended at `index` in `term` by the leader; 0 and 0 when forwarded to the leader instead. */
  | { readonly ok: true; readonly index: number; readonly term: number }
  | Refusal;

export type ReadIndexResult = { readonly ok: true } | Refusal;
