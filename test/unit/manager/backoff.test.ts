import { describe, expect, it } from 'vitest';
import { defaultRestartPolicy, RestartPolicy } from '../../../electron/manager/supervision/backoff';

const roomy = { ...defaultRestartPolicy, maxCrashes: 1_000 };

describe('RestartPolicy backoff', () => {
  it('doubles from 100 ms and caps at 15 s', () => {
    const policy = new RestartPolicy(roomy);
    const delays = Array.from({ length: 11 }, (_, i) => {
      const decision = policy.onExit(i * 10, 5);
      return decision.kind === 'restart' ? decision.delayMs : -1;
    });
    expect(delays).toEqual([100, 200, 400, 800, 1_600, 3_200, 6_400, 12_800, 15_000, 15_000, 15_000]);
  });

  it('starts over after a run of 30 s or more', () => {
    const policy = new RestartPolicy(roomy);
    policy.onExit(0, 5);
    policy.onExit(1, 5);
    expect(policy.onExit(2, 5)).toEqual({ kind: 'restart', delayMs: 400 });
    expect(policy.onExit(40_000, 30_000)).toEqual({ kind: 'restart', delayMs: 100 });
    expect(policy.onExit(40_100, 29_999)).toEqual({ kind: 'restart', delayMs: 200 });
  });

  it('forgets everything on reset', () => {
    const policy = new RestartPolicy(roomy);
    policy.onExit(0, 1);
    policy.onExit(1, 1);
    policy.reset();
    expect(policy.onExit(2, 1)).toEqual({ kind: 'restart', delayMs: 100 });
  });
});

describe('RestartPolicy crash-loop breaker', () => {
  it('gives up on the 5th crash within 60 s', () => {
    const policy = new RestartPolicy();
    const kinds = [0, 1_000, 2_000, 3_000, 4_000].map((t) => policy.onExit(t, 100).kind);
    expect(kinds).toEqual(['restart', 'restart', 'restart', 'restart', 'giveUp']);
  });

  it('counts only crashes inside the window', () => {
    const policy = new RestartPolicy();
    for (const t of [0, 20_000, 40_000, 59_000]) expect(policy.onExit(t, 100).kind).toBe('restart');
    // The crash at 0 left the window at 60 000.
    expect(policy.onExit(60_000, 100).kind).toBe('restart');
    expect(policy.onExit(61_000, 100)).toEqual({ kind: 'giveUp', crashes: 5, windowMs: 60_000 });
  });

  it('never trips on kills the user asked for', () => {
    const policy = new RestartPolicy();
    for (let i = 0; i < 10; i += 1) expect(policy.onExit(i, 100, false).kind).toBe('restart');
  });
});
