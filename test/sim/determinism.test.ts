// A seed must replay a run exactly, or a printed seed is worthless: same seed, same trace, line
// for line; and the trace must depend on the seed.

import { describe, expect, it } from 'vitest';
import { runSeed } from './run';

async function trace(seed: number): Promise<{ lines: string[]; ok: boolean }> {
  const lines: string[] = [];
  const result = await runSeed(seed, { verbose: true, traceSink: (line) => lines.push(line) });
  return { lines, ok: result.ok };
}

describe('replaying a seed', () => {
  it.each([3, 77, 1234])('gives the identical run, event for event (seed %i)', async (seed) => {
    const first = await trace(seed);
    const second = await trace(seed);
    expect(first.lines.length).toBeGreaterThan(100);
    expect(second.lines).toEqual(first.lines);
    expect(second.ok).toBe(first.ok);
  });

  it('differs between seeds', async () => {
    expect((await trace(3)).lines).not.toEqual((await trace(4)).lines);
  });

  it('prints a command that replays it', async () => {
    expect((await runSeed(42)).replay).toBe('npm run sim -- --seed 42');
    expect((await runSeed(42, { knob: 'skipVoteLogCheck', noContractChecks: true })).replay).toBe(
      'npm run sim -- --seed 42 --knob skipVoteLogCheck --no-contract-checks',
    );
  });
});
