// What one seed simulates. Each seed draws its own cluster shape, Raft settings, network quality
// and mix of faults ("swarm testing": a run with only some fault kinds switched on reaches states
// a run with all of them rarely does). Overrides pin parts of it, e.g. to aim at one bug.

import type { NodeId, TestingKnobs } from '../../node-runtime/raft/index';
import type { LinkFaults } from './network';
import type { Prng } from './prng';

export interface RaftSettings {
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxInflightMsgs: number;
  readonly maxSizePerMsg: number;
  /** Entry bytes in flight to one follower; 0: bounded by maxInflightMsgs only. */
  readonly maxInflightBytes?: number;
  /** A follower forwards proposals to the leader (else it answers notLeader). */
  readonly forwardProposals: boolean;
  /** RaftConfig.lazyCommitBroadcast: on, as real nodes run, unless a scenario pins it off. */
  readonly lazyCommitBroadcast: boolean;
  /** RaftDriverOptions.commitIdleMs, in time units; undefined: a commit is told at the next tick. */
  readonly commitIdle?: number;
}

/** Mean time between events of each kind, in simulated time units; 0 switches the kind off. */
export interface FaultRates {
  readonly crash: number;
  /** Share of crashes that strike in the middle of handling a Ready. */
  readonly crashMidReady: number;
  readonly maxDowntime: number;
  /**
   * Chance of crashing a node at a moment that matters: a new leader before its first messages
   * leave, a leader right after its commit advanced, a voter right after granting its vote.
   * Random crashes rarely land in these windows; the bugs that need them are the subtle ones.
   */
  readonly crashAtKeyMoments: number;
  readonly partition: number;
  readonly maxPartitionTime: number;
  readonly snapshot: number;
  readonly confChange: number;
  readonly transferLeader: number;
  /**
   * Membership changes made while part of the cluster is cut off from the leader: the leader
   * demoted or removed while partitioned from some voters, learners that receive the new
   * configuration before the voters that decide it.
   */
  readonly partitionedChange: number;
  /**
   * Chance of crashing a node between persisting a Ready that carries a membership change (as a
   * new entry, or newly committed) and applying it: it restarts with a configuration in its log,
   * perhaps known committed, that it never applied.
   */
  readonly crashAtConfChange: number;
  /**
   * Chance that a node restarted by the adversary is slow to handle its first Readies (replaying a
   * long log, a cold disk): up to a few election timeouts pass, its clock ticking and messages
   * arriving, before it persists or applies anything, so committed entries wait unapplied.
   */
  readonly slowRestart: number;
  /**
   * Chance that peers see a crash as their connection to the node closing (kill -9: the kernel
   * closes its sockets at once), as opposed to silence (power loss, a cable pulled). Each peer
   * hears of it after a message latency, and a follower of the crashed leader campaigns early.
   */
  readonly closeOnCrash: number;
  /** Mean time between a connection closing while both ends live (a flapping link, a proxy reset). */
  readonly connectionFlap: number;
  /**
   * Mean time between pauses (SIGSTOP, a VM frozen, a GC stall): the node neither ticks, hears nor
   * speaks for up to `maxPause`, then takes what arrived meanwhile and sends what it held.
   */
  readonly pause: number;
  readonly maxPause: number;
}

export interface WorkloadRates {
  /** Mean time between client write batches and reads; 0 switches reads off. */
  readonly write: number;
  readonly maxBatch: number;
  readonly read: number;
}

export interface Scenario {
  readonly nodeIds: readonly NodeId[];
  readonly initialVoters: readonly NodeId[];
  readonly raft: RaftSettings;
  readonly knobs?: TestingKnobs;
  /** Simulated time units per tick of a core with a perfect clock. */
  readonly tickInterval: number;
  /** Each node's clock runs up to this many time units per tick fast or slow (cores never read clocks, but timeouts race). */
  readonly clockSkew: number;
  readonly links: LinkFaults;
  /** The network once faults stop: no loss, no duplicates, at most a tick of latency. */
  readonly healedLinks: LinkFaults;
  /** Upper bound on how long a node takes to handle a pending Ready (0: at once). */
  readonly readyDelayMax: number;
  /**
   * Upper bound on how long a disk write takes to become durable (0: at once, and nothing is ever
   * lost). Above 0 the disk is also lossy: a crash loses every write since the last completed
   * durable one, both a write still syncing and the writes the driver did not ask to sync.
   */
  readonly diskSyncDelayMax?: number;
  readonly faults: FaultRates;
  readonly workload: WorkloadRates;
  /** How long faults are injected before the liveness phase starts. */
  readonly faultTime: number;
  /** Once faults stop, the cluster must have a leader and be fully caught up within this time. */
  readonly livenessBound: number;
  /**
   * The liveness phase first keeps one voter down (the last leader half of the time, else any
   * voter) whose absence leaves a quorum in every configuration in play, and requires the rest to
   * make progress on their own within the bound; then it comes back and the usual phase follows.
   */
  readonly oneDownFirst?: boolean;
}

export type ScenarioOverrides = Partial<Omit<Scenario, 'raft' | 'faults' | 'links' | 'workload'>> & {
  readonly raft?: Partial<RaftSettings>;
  readonly faults?: Partial<FaultRates>;
  readonly links?: Partial<LinkFaults>;
  readonly workload?: Partial<WorkloadRates>;
};

export const TICK = 10;
/** A leader idle this long tells its followers a new commit at once (production: 3 of a 20 ms tick). */
const COMMIT_IDLE = 2;

/** The scenario a seed stands for. `random` must be the run's dedicated scenario stream. */
export function drawScenario(random: Prng, overrides: ScenarioOverrides = {}): Scenario {
  const nodeCount = random.chance(0.5) ? 3 : 5;
  const nodeIds = Array.from({ length: nodeCount }, (_, i) => i + 1);
  const initialVoters = nodeCount === 5 && random.chance(0.5) ? nodeIds.slice(0, 3) : nodeIds;
  const electionTicks = random.between(5, 10);
  const drawn = {
    electionTicks,
    heartbeatTicks: random.pick([1, 1, 2]),
    preVote: random.chance(0.5),
    checkQuorum: random.chance(0.5),
    maxInflightMsgs: random.pick([1, 4, 256]),
    maxSizePerMsg: random.pick([256, 4096, 1 << 20]),
    forwardProposals: random.chance(0.7),
    // Not drawn: a draw here would give every pinned seed another scenario.
    lazyCommitBroadcast: true,
    // As real nodes: COMMIT_IDLE_MS is 3 of a 20 ms tick.
    commitIdle: COMMIT_IDLE,
  };
  const raft: RaftSettings = {
    ...drawn,
    // Not drawn (the draws above keep their order): a wide window is bounded in bytes too, by four
    // messages' worth, as real nodes bound theirs (node/build-raft.ts).
    maxInflightBytes: drawn.maxInflightMsgs === 256 ? 4 * drawn.maxSizePerMsg : 0,
  };
  const minLatency = random.between(0, 5);
  const links: LinkFaults = {
    minLatency,
    maxLatency: minLatency + random.pick([5, 20, 20, 60]),
    dropRate: random.pick([0, 0.02, 0.1, 0.25]),
    duplicateRate: random.pick([0, 0.02, 0.1]),
  };
  const on = (p: number, mean: number): number => (random.chance(p) ? mean : 0);
  const faults: FaultRates = {
    crash: on(0.6, random.pick([150, 400, 1000])),
    crashMidReady: random.pick([0, 0.5]),
    maxDowntime: random.pick([100, 400, 1500]),
    crashAtKeyMoments: random.pick([0, 0, 0.05, 0.2]),
    partition: on(0.6, random.pick([200, 500, 1200])),
    maxPartitionTime: random.pick([100, 500, 1500]),
    snapshot: on(0.6, random.pick([100, 400])),
    confChange: on(0.5, random.pick([200, 600])),
    transferLeader: on(0.3, random.pick([300, 1000])),
    // Not drawn, so that the seeds recorded before these faults existed replay unchanged; the
    // 'reconfig' profile turns them on.
    partitionedChange: 0,
    crashAtConfChange: 0,
    slowRestart: 0,
    // The same for the failover faults, which the 'failover' profile turns on.
    closeOnCrash: 0,
    connectionFlap: 0,
    pause: 0,
    maxPause: 0,
  };
  const workload: WorkloadRates = {
    write: random.pick([5, 20, 60]),
    maxBatch: random.pick([1, 1, 4, 16]),
    read: random.pick([0, 20, 80]),
  };
  const scenario: Scenario = {
    nodeIds,
    initialVoters,
    raft,
    tickInterval: TICK,
    clockSkew: random.pick([0, 1]),
    links,
    healedLinks: { minLatency: 1, maxLatency: TICK, dropRate: 0, duplicateRate: 0 },
    readyDelayMax: random.pick([0, 0, 5, 20]),
    faults,
    workload,
    faultTime: random.between(150, 300) * TICK,
    livenessBound: 0,
  };
  const merged = mergeOverrides(scenario, overrides) as Scenario;
  return { ...merged, livenessBound: overrides.livenessBound ?? defaultLivenessBound(merged) };
}

/** `over` on top of `base`, field by field for the nested groups. */
export function mergeOverrides<T extends ScenarioOverrides>(base: T, over: ScenarioOverrides): T {
  return {
    ...base,
    ...over,
    raft: { ...base.raft, ...over.raft },
    links: { ...base.links, ...over.links },
    faults: { ...base.faults, ...over.faults },
    workload: { ...base.workload, ...over.workload },
  };
}

/**
 * Time enough, on a healed network, for several election rounds (split votes included) and for
 * the slowest member to catch up by snapshot. A correct core needs far less; a stuck one never gets there.
 */
function defaultLivenessBound(s: Scenario): number {
  return 60 * s.raft.electionTicks * s.tickInterval;
}
