// Deliberately broken cores and the fault mix that makes each break show quickly. A knob only
// weakens the core; the scenario overrides only aim the adversary. Neither touches the checks.

import type { DriverTestingKnobs } from '../../node-runtime/node/raft-driver';
import type { TestingKnobs } from '../../node-runtime/raft/index';
import { mergeOverrides } from './scenario';
import type { ScenarioOverrides } from './scenario';

export const KNOBS = ['commitPreviousTermEntries', 'skipVoteLogCheck', 'dontPersistVote', 'learnersRefuseVotes', 'sendBeforeDurable', 'membershipFromLog', 'replaySkipsConfChanges', 'removedLeaderKeepsLeading', 'refuseNonVoterCandidates'] as const;
export type Knob = (typeof KNOBS)[number];

export function isKnob(name: string): name is Knob {
  return (KNOBS as readonly string[]).includes(name);
}

/** The driver's knobs; the others break the core. */
const DRIVER_KNOBS: readonly Knob[] = ['sendBeforeDurable', 'membershipFromLog', 'replaySkipsConfChanges'];

export function knobSettings(knob: Knob): { core?: TestingKnobs; driver?: DriverTestingKnobs } {
  return DRIVER_KNOBS.includes(knob) ? { driver: { [knob]: true } } : { core: { [knob]: true } };
}

/**
 * Each bug needs a particular history to matter, and the fault mix is aimed at it:
 * - an old-term entry committed by counting is lost only if its leader dies before its own-term
 *   entry replicates and a node with a later-term suffix wins next (Figure 8 of the paper): many
 *   crashes at key moments, small append batches so old entries travel without the new one;
 * - a vote granted to a stale log matters once a partition has left some node behind;
 * - a forgotten vote matters when a voter crashes and restarts mid-election and then hears from a
 *   second candidate of the same term (slow and duplicated messages make that likely);
 * - a demoted leader that keeps leading, and voters that refuse a learner promoted by a change
 *   they have not applied, matter when membership changes while the leader is cut off;
 * - the driver's restart bugs matter when a node restarts with a membership change persisted but
 *   not applied: every crash is aimed there.
 * The timing is production's (lazy commit broadcast, idle leaders telling the commit at once):
 * the simulator checks the core real nodes run.
 */
export function knobOverrides(knob: Knob): ScenarioOverrides {
  const threeNodes = { nodeIds: [1, 2, 3], initialVoters: [1, 2, 3], faultTime: 6000, readyDelayMax: 0 };
  const noChurn = { confChange: 0, transferLeader: 0, snapshot: 0, crashMidReady: 0 };
  switch (knob) {
    case 'commitPreviousTermEntries':
      return {
        ...threeNodes,
        raft: { preVote: false, checkQuorum: false, maxInflightMsgs: 1, maxSizePerMsg: 256 },
        links: { minLatency: 1, maxLatency: 30, dropRate: 0, duplicateRate: 0 },
        faults: { ...noChurn, crash: 300, crashAtKeyMoments: 0.4, maxDowntime: 300, partition: 300, maxPartitionTime: 300 },
        workload: { write: 5, maxBatch: 16 },
      };
    case 'skipVoteLogCheck':
      return {
        raft: { preVote: false },
        faults: { partition: 200, maxPartitionTime: 500, crash: 400, confChange: 0 },
        workload: { write: 10, maxBatch: 4 },
      };
    case 'learnersRefuseVotes':
      return PROFILES.reconfig;
    case 'removedLeaderKeepsLeading':
    case 'refuseNonVoterCandidates':
      // The only membership changes are made while the leader is cut off from some voters.
      return mergeOverrides(PROFILES.reconfig, { faults: { confChange: 0 } });
    case 'membershipFromLog':
    case 'replaySkipsConfChanges':
      // Every crash strikes between persisting a membership change and applying it.
      return mergeOverrides(PROFILES.reconfig, { faults: { crash: 0, crashAtKeyMoments: 0 } });
    case 'sendBeforeDurable':
      return PROFILES.disk;
    case 'dontPersistVote':
      return {
        ...threeNodes,
        raft: { preVote: false, checkQuorum: false },
        links: { minLatency: 1, maxLatency: 60, dropRate: 0, duplicateRate: 0.2 },
        faults: { ...noChurn, crash: 300, crashAtKeyMoments: 0.5, maxDowntime: 40, partition: 0 },
        workload: { write: 20, maxBatch: 1 },
      };
  }
}

/**
 * Fault mixes for long exploratory runs (`npm run sim -- --profile NAME`). Each leans the drawn
 * scenarios toward one kind of trouble; the rest of the scenario is still drawn from the seed.
 * - membership: frequent membership changes and leadership transfers (demotions and removals of
 *   the sitting leader among them);
 * - partitions: frequent, long, one-way and two-way link cuts;
 * - crashes: frequent crashes, half of them in the middle of a Ready (the unsynced tail is lost,
 *   the closest the simulator comes to disk loss), many at key moments;
 * - disk: slow syncs (each durable write takes up to 30 time units while the driver waits and
 *   inputs pile up) on a lossy disk (a crash loses what was not yet synced), with many crashes;
 * - reconfig: membership changes under partitions (leaders demoted or removed while cut off from
 *   some voters, learners ahead of voters), crashes between a change's persist and its apply, and
 *   restarts slow to apply what they know is committed; its liveness phase first keeps a voter
 *   down (the last leader half of the time) and requires the others to make progress without it;
 * - failover: crashes that peers see as closed connections (kill -9), so followers of a dead
 *   leader campaign after a short grace; connections that close while both ends live (a
 *   flapping link); and pauses (SIGSTOP) of up to many election timeouts, the paused node
 *   often the leader, which wakes up to a newer term.
 */
export const PROFILES = {
  default: {},
  membership: { faults: { confChange: 100, transferLeader: 150 } },
  partitions: { faults: { partition: 100, maxPartitionTime: 1500 } },
  crashes: { faults: { crash: 150, crashMidReady: 0.5, crashAtKeyMoments: 0.4 } },
  disk: { diskSyncDelayMax: 30, faults: { crash: 200, crashMidReady: 0.3, crashAtKeyMoments: 0.2, maxDowntime: 300 } },
  reconfig: { oneDownFirst: true, faults: { confChange: 150, partitionedChange: 200, crashAtConfChange: 0.3, slowRestart: 0.3, maxDowntime: 400 } },
  failover: { faults: { crash: 250, closeOnCrash: 0.8, connectionFlap: 150, pause: 400, maxPause: 800 } },
} as const satisfies Record<string, ScenarioOverrides>;
export type Profile = keyof typeof PROFILES;

export function isProfile(name: string): name is Profile {
  return Object.hasOwn(PROFILES, name);
}
