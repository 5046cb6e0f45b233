// A Clock (node-runtime/ports.ts) that moves only when the test moves it, so a service's timing
// is tested without waiting: timers fire in due order as time is advanced.
import type { Clock } from '../../../node-runtime/ports';

interface Timer {
  due: number;
  readonly seq: number;
  readonly fn: () => void;
  readonly every: number | null;
}

export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): () => void {
    return this.add(ms, fn, null);
  }

  every(ms: number, fn: () => void): () => void {
    return this.add(ms, fn, ms);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing each timer that comes due (letting promise callbacks run after each). */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    while (this.next() !== undefined && this.next()!.due <= until) await this.fireNext();
    this.time = until;
    await settle();
  }

  /** Moves time to the next timer and fires it; false when no timer is waiting. */
  async advanceToNext(): Promise<boolean> {
    if (this.next() === undefined) return false;
    await this.fireNext();
    return true;
  }

  private add(ms: number, fn: () => void, every: number | null): () => void {
    const timer: Timer = { due: this.time + Math.max(0, ms), seq: this.seq++, fn, every };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  private next(): Timer | undefined {
    return this.timers.reduce<Timer | undefined>((best, t) => (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq) ? t : best), undefined);
  }

  private async fireNext(): Promise<void> {
    const timer = this.next()!;
    this.time = Math.max(this.time, timer.due);
    if (timer.every === null) this.timers = this.timers.filter((t) => t !== timer);
    else timer.due += timer.every;
    timer.fn();
    await settle();
  }
}

/** Lets pending promise callbacks (and I/O already completed) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
