// Deliberately broken cores and the fault mix that makes each break show quickly. A knob only
// weakens the core; the scenario overrides only aim the adversary. Neither touches the checks.

import type { TestingKnobs } from '../../node-runtime/raft/index';
import type { ScenarioOverrides } from './scenario';

export const KNOBS = ['commitPreviousTermEntries', 'skipVoteLogCheck', 'dontPersistVote'] as const;
export type Knob = (typeof KNOBS)[number];

export function isKnob(name: string): name is Knob {
  return (KNOBS as readonly string[]).includes(name);
}

export function knobSettings(knob: Knob): TestingKnobs {
  return { [knob]: true };
}

/**
 * Each bug needs a particular history to matter: an old-term entry committed by counting and then
 * overwritten (Figure 8 of the paper) needs leaders to change often while entries are half
 * replicated; a vote granted to a stale log needs a partition that leaves a node behind; a
 * forgotten vote needs a crash between voting and the end of the election.
 */
export function knobOverrides(knob: Knob): ScenarioOverrides {
  switch (knob) {
    case 'commitPreviousTermEntries':
      return {
        raft: { preVote: false, checkQuorum: false },
        faults: { crash: 150, crashMidReady: 0, maxDowntime: 400, partition: 200, maxPartitionTime: 300, confChange: 0, transferLeader: 0 },
        workload: { write: 10, maxBatch: 4 },
      };
    case 'skipVoteLogCheck':
      return {
        raft: { preVote: false },
        faults: { partition: 200, maxPartitionTime: 500, crash: 400, confChange: 0 },
        workload: { write: 10, maxBatch: 4 },
      };
    case 'dontPersistVote':
      return {
        raft: { preVote: false },
        faults: { crash: 100, crashMidReady: 0.5, maxDowntime: 100, partition: 0, confChange: 0, transferLeader: 0 },
      };
  }
}
