// The seed space the test suite covers, cut into shards so vitest's workers share it. Each shard
// is a test file of its own (seeds-N.test.ts); within a shard, tests of 100 seeds keep a failure
// report short and show progress.

import { describe, expect, it } from 'vitest';
import { describeFailure, runSeed } from './run';

export const SEEDS_PER_SHARD = 400;
const SEEDS_PER_TEST = 100;

export function describeSeedShard(shard: number): void {
  const first = (shard - 1) * SEEDS_PER_SHARD + 1;
  describe(`simulation seeds ${first}-${first + SEEDS_PER_SHARD - 1}`, () => {
    for (let from = first; from < first + SEEDS_PER_SHARD; from += SEEDS_PER_TEST) {
      const to = from + SEEDS_PER_TEST - 1;
      it(`seeds ${from}-${to} keep every safety invariant and recover once the faults stop`, async () => {
        const failures: string[] = [];
        const totals = {
          writesApplied: 0,
          readsServed: 0,
          crashes: 0,
          partitions: 0,
          snapshots: 0,
          snapshotsInstalled: 0,
          confChangesApplied: 0,
          leadersElected: 0,
        };
        for (let seed = from; seed <= to; seed++) {
          const result = await runSeed(seed);
          if (!result.ok) failures.push(describeFailure(result));
          for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result.stats[key];
        }
        expect(failures).toEqual([]);
        // Guard against a vacuous pass: these seeds did exercise every kind of fault and traffic.
        for (const [what, count] of Object.entries(totals)) expect(count, what).toBeGreaterThan(0);
      });
    }
  });
}
