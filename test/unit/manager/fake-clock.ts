// A Clock whose time moves only when the test says so; due timers run in order of their deadline.
import type { Clock, TimerId } from '../../../electron/manager/supervision/clock';

interface Pending {
  readonly id: TimerId;
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerId {
    const id = { __timer: true } as TimerId;
    this.pending.push({ id, at: this.time + delayMs, seq: this.seq++, callback });
    return id;
  }

  clearTimeout(timer: TimerId): void {
    this.pending = this.pending.filter((p) => p.id !== timer);
  }

  /** Delays of the timers armed now, soonest first. */
  pendingDelays(): number[] {
    return this.pending.map((p) => p.at - this.time).sort((a, b) => a - b);
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const next = [...this.pending].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next || next.at > until) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.time = next.at;
      next.callback();
    }
    this.time = until;
  }
}
