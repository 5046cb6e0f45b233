// Every CI run explores seeds no earlier run tried: a window whose start is derived from the
// commit under test, split across the fault profiles. The pinned seeds guard known ground; this
// covers new ground each commit. A failure prints the one-line command that replays it.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROFILES } from './profiles';
import type { Profile } from './profiles';
import { describeFailure, runSeed } from './run';

const SEEDS_PER_PROFILE = 750;
/** Fresh windows start above every range pinned or recorded by hand (those stay below 10^8). */
const FRESH_BASE = 100_000_000;

/** The commit under test: CI's variable when set, else the checkout's HEAD. */
function commitHash(): string {
  const fromEnv = process.env.GITHUB_SHA ?? process.env.CI_COMMIT_SHA;
  if (fromEnv !== undefined && /^[0-9a-f]{7,}$/i.test(fromEnv)) return fromEnv;
  return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
}

/** A window start in [10^8, 10^8 + 4·10^9), aligned so the profiles' windows never overlap. */
export function windowStart(hash: string): number {
  const slot = Number.parseInt(hash.slice(0, 8), 16) % 1_000_000;
  return FRESH_BASE + slot * 4 * SEEDS_PER_PROFILE;
}

const hash = commitHash();
const start = windowStart(hash);

describe(`fresh seeds for commit ${hash.slice(0, 12)}`, () => {
  (Object.keys(PROFILES) as Profile[]).forEach((profile, i) => {
    const from = start + i * SEEDS_PER_PROFILE;
    const to = from + SEEDS_PER_PROFILE - 1;
    it(`profile ${profile}: seeds ${from}-${to} keep every invariant and recover`, async () => {
      const failures: string[] = [];
      let leadersElected = 0;
      for (let seed = from; seed <= to; seed++) {
        const result = await runSeed(seed, { profile });
        if (!result.ok) failures.push(describeFailure(result));
        leadersElected += result.stats.leadersElected;
      }
      expect(failures, failures.join('\n')).toEqual([]);
      expect(leadersElected).toBeGreaterThan(0);
    });
  });
});
