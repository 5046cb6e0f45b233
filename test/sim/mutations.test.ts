// The simulator must catch bugs, not just run: each testing knob breaks the core in one classic
// way, and the simulator has to find a safety violation (or, for a liveness bug, a cluster that
// never recovers) within a modest budget of seeds. The Ready-contract checks are off here, so
// what finds each bug is an end-to-end Raft property.

import { describe, expect, it } from 'vitest';
import { KNOBS } from './profiles';
import type { Knob } from './profiles';
import { describeFailure, runSeed } from './run';
import type { RunResult } from './run';
import type { ViolationKind } from './violation';

const SEED_BUDGET = 500;
const SAFETY: readonly ViolationKind[] = ['electionSafety', 'leaderAppendOnly', 'logMatching', 'leaderCompleteness', 'stateMachineSafety', 'durability', 'linearizableRead'];
/** What must catch each broken core: a safety invariant, or for a liveness bug the liveness phase. */
const CAUGHT_BY: Record<Knob, readonly ViolationKind[]> = {
  commitPreviousTermEntries: SAFETY,
  skipVoteLogCheck: SAFETY,
  dontPersistVote: SAFETY,
  learnersRefuseVotes: ['liveness'],
  sendBeforeDurable: SAFETY,
};

async function firstFailure(knob: Knob, noContractChecks: boolean): Promise<RunResult | undefined> {
  for (let seed = 1; seed <= SEED_BUDGET; seed++) {
    const result = await runSeed(seed, { knob, noContractChecks });
    if (!result.ok) return result;
  }
  return undefined;
}

describe.each(KNOBS)('a core broken by %s', (knob) => {
  it(`is caught by ${CAUGHT_BY[knob] === SAFETY ? 'a safety invariant' : CAUGHT_BY[knob].join(' or ')} within ${SEED_BUDGET} seeds`, async () => {
    const failure = await firstFailure(knob, true);
    expect(failure, `no violation in ${SEED_BUDGET} seeds`).toBeDefined();
    if (failure === undefined) return;
    expect(CAUGHT_BY[knob], describeFailure(failure)).toContain(failure.violation?.kind);
    // The very same seed and fault mix on the correct core is clean: the knob broke it.
    const control = await runSeed(failure.seed, { aimAt: knob });
    expect(control.ok, describeFailure(control)).toBe(true);
  });
});

describe('the fault mixes aimed at the knobs', () => {
  it.each(KNOBS)('find nothing wrong with the correct core (%s)', async (knob) => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 50; seed++) {
      const result = await runSeed(seed, { aimAt: knob });
      if (!result.ok) failures.push(describeFailure(result));
    }
    expect(failures).toEqual([]);
  });
});

describe('the Ready-contract checks', () => {
  it('catch a core that sends a vote it has not asked to persist, before any harm is done', async () => {
    const failure = await firstFailure('dontPersistVote', false);
    expect(failure?.violation?.kind).toBe('readyContract');
    expect(failure?.violation?.detail).toMatch(/grants its vote to n\d+ in term \d+ but persisted/);
  });
});
