// Simulated time. Events run in (time, insertion order) order, so a run is a pure function of
// its seed: nothing depends on the host's clock or on how fast the host happens to be.

interface ScheduledEvent {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

export class Scheduler {
  private heap: ScheduledEvent[] = [];
  private seq = 0;
  private time = 0;

  now(): number {
    return this.time;
  }

  /** Runs `run` after `delay` time units (0 = after every event already due now). */
  after(delay: number, run: () => void): void {
    if (delay < 0 || !Number.isFinite(delay)) throw new RangeError(`Scheduler.after: bad delay ${delay}`);
    this.push({ at: this.time + delay, seq: this.seq++, run });
  }

  /**
   * Runs events in order until the queue is empty or the next event is later than `until`. After
   * each event, `settle` lets the promise continuations it started finish (a driver awaiting its
   * in-memory disk) before time moves on; it may throw to end the run.
   */
  async runUntil(until: number, stop: () => boolean = () => false, settle: () => Promise<void> = async () => {}): Promise<void> {
    for (;;) {
      const next = this.heap[0];
      if (next === undefined || next.at > until || stop()) break;
      this.pop();
      this.time = next.at;
      next.run();
      await settle();
    }
    if (this.time < until && !stop()) this.time = until;
  }

  private before(x: ScheduledEvent, y: ScheduledEvent): boolean {
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private push(event: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as ScheduledEvent;
      if (!this.before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && this.before(heap[right] as ScheduledEvent, heap[left] as ScheduledEvent) ? right : left;
      if (!this.before(heap[child] as ScheduledEvent, last)) break;
      heap[i] = heap[child] as ScheduledEvent;
      i = child;
    }
    heap[i] = last;
  }
}
