// Membership-heavy runs: frequent membership changes and leadership transfers (some forwarded by
// followers), the mix that found an invalid change committed (every node failed to apply it) and
// a cluster left without a leader for good after a change. The seeds that found those bugs, and
// the election-timer one, are pinned here; a range of membership-heavy seeds guards the rest.

import { describe, expect, it } from 'vitest';
import { describeFailure, runSeed } from './run';
import type { RunOptions } from './run';

const REGRESSIONS: readonly (RunOptions & { seed: number; found: string })[] = [
  { seed: 701301, profile: 'membership', found: 'invalid membership change committed' },
  { seed: 801344, profile: 'membership', found: 'invalid membership change committed' },
  { seed: 802564, profile: 'membership', found: 'invalid membership change committed' },
  { seed: 900355, found: 'no leader after a membership change' },
  { seed: 801451, profile: 'membership', found: 'no leader after a membership change' },
  { seed: 802514, profile: 'membership', found: 'no leader after a membership change' },
  { seed: 655, overrides: { clockSkew: 3 }, found: 'election timer reset by a refused vote' },
  { seed: 12, overrides: { clockSkew: 3 }, found: 'election timer reset by a refused vote' },
  { seed: 847, overrides: { clockSkew: 3 }, found: 'election timer reset by a refused vote' },
  { seed: 2039255, found: 'durability checked as a quorum of each joint half (the checker was wrong)' },
  { seed: 2012434, found: 'no leader: a stale-term vote request dropped unanswered' },
  { seed: 9001009, profile: 'disk', found: 'a node that crashed between persisting a snapshot and its hard state could not restart' },
  { seed: 9019954, profile: 'disk', found: "a snapshot restored while a Ready's membership change was being applied" },
  { seed: 1668562310, profile: 'disk', found: "the disk model let a snapshot's sync cover a later write (overlapping syncs)" },
  { seed: 570891051, profile: 'failover', found: 'a stale read: late acknowledgements of a repeated read context confirmed newer reads' },
  { seed: 35000787, profile: 'reconfig', found: 'no leader: a removed leader kept handing over to a down voter tied for the longest log' },
  { seed: 10203348, profile: 'reconfig', found: 'no leader: the node kept down left a learner with the longest log in the only quorum' },
  { seed: 10206008, profile: 'reconfig', found: "no leader: the node kept down was needed by a removal still in the leader's unwritten log" },
  { seed: 10206908, profile: 'reconfig', found: 'no leader: the node kept down was needed by a configuration not yet on any disk' },
];

describe('membership-heavy simulation', () => {
  for (const { seed, found, ...options } of REGRESSIONS) {
    it(`seed ${seed} (found: ${found}) passes`, async () => {
      const result = await runSeed(seed, options);
      expect(result.ok, describeFailure(result)).toBe(true);
    });
  }

  it('seeds 801201-801500 with frequent membership changes and transfers pass', async () => {
    const failures: string[] = [];
    let confChangesApplied = 0;
    for (let seed = 801201; seed <= 801500; seed++) {
      const result = await runSeed(seed, { profile: 'membership' });
      if (!result.ok) failures.push(describeFailure(result));
      confChangesApplied += result.stats.confChangesApplied;
    }
    expect(failures).toEqual([]);
    expect(confChangesApplied).toBeGreaterThan(0);
  });
});
