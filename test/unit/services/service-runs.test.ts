// The record of background runs and the periodic runner: runs never overlap, failures are
// recorded and retried, a run with nothing to do leaves the previous record, stop waits.
import { describe, expect, it, vi } from 'vitest';
import { PeriodicTask, ServiceRuns } from '../../../node-runtime/services/service-runs';
import { FakeClock } from './fake-clock';

const clock = new FakeClock();

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ServiceRuns', () => {
  it('lists registered services with empty fields before their first run', () => {
    const runs = new ServiceRuns(clock);
    runs.register('gc');
    expect(runs.all()).toEqual({ gc: { lastRunAt: null, lastDurationMs: null, lastError: null, running: false, lastResult: null } });
  });

  it('records a success, then a failure keeping the last good result', async () => {
    const runs = new ServiceRuns(clock);
    await runs.record('gc', async () => ({ removed: 2 }));
    expect(runs.get('gc')).toMatchObject({ running: false, lastError: null, lastResult: { removed: 2 } });
    expect(runs.get('gc')?.lastRunAt).toEqual(expect.any(String));
    await expect(runs.record('gc', async () => Promise.reject(new Error('disk gone')))).rejects.toThrow('disk gone');
    expect(runs.get('gc')).toMatchObject({ lastError: 'disk gone', lastResult: { removed: 2 } });
  });

  it('records an event without a duration', () => {
    const runs = new ServiceRuns(clock);
    runs.happened('snapshot', Date.parse('2026-01-02T03:04:05Z'), { index: 10 });
    expect(runs.get('snapshot')).toMatchObject({ lastRunAt: '2026-01-02T03:04:05.000Z', lastDurationMs: null, lastResult: { index: 10 } });
  });
});

describe('PeriodicTask', () => {
  it('runs one at a time: runNow while running is refused', async () => {
    const runs = new ServiceRuns(clock);
    const gate = deferred<{ n: number }>();
    const task = new PeriodicTask({ name: 'x', runs, intervalMs: () => 60_000, run: () => gate.promise, onError: () => undefined, clock });
    expect(task.runNow()).toBe(true);
    expect(runs.get('x')?.running).toBe(true);
    expect(task.runNow()).toBe(false);
    gate.resolve({ n: 1 });
    await vi.waitFor(() => expect(task.running).toBe(false));
    expect(runs.get('x')).toMatchObject({ running: false, lastResult: { n: 1 } });
    await task.stop();
    expect(task.runNow()).toBe(false);
  });

  it('records a failure, reports it, and a run with nothing to do keeps the previous record', async () => {
    const runs = new ServiceRuns(clock);
    const errors: string[] = [];
    const results: (Record<string, number> | null | Error)[] = [{ n: 1 }, new Error('boom'), null];
    const task = new PeriodicTask({
      name: 'x',
      runs,
      intervalMs: () => 60_000,
      run: async () => {
        const next = results.shift();
        if (next instanceof Error) throw next;
        return next ?? null;
      },
      onError: (err) => errors.push(err.message),
      clock,
    });
    for (let i = 0; i < 3; i++) {
      task.runNow();
      await vi.waitFor(() => expect(task.running).toBe(false));
    }
    expect(errors).toEqual(['boom']);
    expect(runs.get('x')).toMatchObject({ running: false, lastError: 'boom', lastResult: { n: 1 } });
    await task.stop();
  });

  it('runs on its interval, reading the interval again as it goes, and stop waits for a run', async () => {
    const runs = new ServiceRuns(clock);
    let count = 0;
    let interval = 60_000;
    const task = new PeriodicTask({ name: 'x', runs, intervalMs: () => interval, firstRunAfterMs: 0, run: async () => ({ count: ++count }), onError: () => undefined, clock });
    task.start();
    await clock.advance(0);
    expect(count).toBe(1);
    await clock.advance(30_000);
    expect(count).toBe(1);
    // The interval is read again at the next check, within a second.
    interval = 20;
    await clock.advance(1_100);
    expect(count).toBeGreaterThanOrEqual(3);
    await task.stop();
    const stoppedAt = count;
    await clock.advance(10_000);
    expect(count).toBe(stoppedAt);
    expect(clock.pending).toBe(0);
  });
});
