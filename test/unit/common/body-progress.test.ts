// watchBodyProgress under fake time: a body that delivers at least 1 KiB per idle window is left
// alone however long it takes; one that stops, or trickles below that, is reported once, about
// one window after its last progress.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BODY_PROGRESS_BYTES, watchBodyProgress } from '../../../node-runtime/common/body-progress';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Feeds `bytesPerSecond` into a counter for `seconds`, a tick at a time; returns when the watch reported a stall (ms), or null. */
function run(bytesPerSecond: number, seconds: number, idleMs: number): { stalledAt: number | null; stop: () => void } {
  let read = 0;
  let stalledAt: number | null = null;
  const started = Date.now();
  const stop = watchBodyProgress(() => read, idleMs, () => {
    expect(stalledAt).toBeNull();
    stalledAt = Date.now() - started;
  });
  for (let t = 0; t < seconds * 10; t++) {
    read += bytesPerSecond / 10;
    vi.advanceTimersByTime(100);
  }
  return { stalledAt, stop };
}

describe('watchBodyProgress', () => {
  it('leaves a body alone while it delivers at least 1 KiB per window, for as long as it takes', () => {
    const { stalledAt, stop } = run((BODY_PROGRESS_BYTES * 2) / 30, 600, 30_000);
    expect(stalledAt).toBeNull();
    stop();
  });

  it('reports a body that stops, one window (and at most a check) after it stopped', () => {
    const { stalledAt, stop } = run(0, 60, 30_000);
    expect(stalledAt).toBeGreaterThanOrEqual(30_000);
    expect(stalledAt).toBeLessThanOrEqual(31_000);
    stop();
  });

  it('reports the issue\'s trickle of a byte every 10 s after one window, not minutes later', () => {
    const { stalledAt, stop } = run(0.1, 60, 30_000);
    expect(stalledAt).toBeGreaterThanOrEqual(30_000);
    expect(stalledAt).toBeLessThanOrEqual(31_000);
    stop();
  });

  it('reports nothing once stopped', () => {
    let read = 0;
    const onStall = vi.fn();
    const stop = watchBodyProgress(() => read, 1_000, onStall);
    read += 10;
    stop();
    vi.advanceTimersByTime(10_000);
    expect(onStall).not.toHaveBeenCalled();
  });
});
