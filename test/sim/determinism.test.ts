// A seed must replay a run exactly, or a printed seed is worthless: same seed, same trace, line
// for line; and the trace must depend on the seed.

import { describe, expect, it } from 'vitest';
import { runSeed } from './run';

function trace(seed: number): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  const result = runSeed(seed, { verbose: true, traceSink: (line) => lines.push(line) });
  return { lines, ok: result.ok };
}

describe('replaying a seed', () => {
  it.each([3, 77, 1234])('gives the identical run, event for event (seed %i)', (seed) => {
    const first = trace(seed);
    const second = trace(seed);
    expect(first.lines.length).toBeGreaterThan(100);
    expect(second.lines).toEqual(first.lines);
    expect(second.ok).toBe(first.ok);
  });

  it('differs between seeds', () => {
    expect(trace(3).lines).not.toEqual(trace(4).lines);
  });

  it('prints a command that replays it', () => {
    expect(runSeed(42).replay).toBe('npm run sim -- --seed 42');
    expect(runSeed(42, { knob: 'skipVoteLogCheck', noContractChecks: true }).replay).toBe(
      'npm run sim -- --seed 42 --knob skipVoteLogCheck --no-contract-checks',
    );
  });
});
