// The simulated network between cores: every message may be dropped, delayed (which reorders
// it against its neighbours), or duplicated, and links can be cut in one or both directions.
// A cut link also loses messages already in flight on it, as a real partition would.

import type { Message, NodeId } from '../../node-runtime/raft/index';
import type { Prng } from './prng';
import type { Scheduler } from './scheduler';

export interface LinkFaults {
  /** Latency of a message in simulated time units, uniform in [minLatency, maxLatency]. */
  readonly minLatency: number;
  readonly maxLatency: number;
  readonly dropRate: number;
  readonly duplicateRate: number;
}

export const PERFECT_LINKS: LinkFaults = { minLatency: 0, maxLatency: 0, dropRate: 0, duplicateRate: 0 };

export interface NetworkEndpoints {
  /** Hands a message to its destination (which may be down: then the endpoint ignores it). */
  deliver(m: Message): void;
  /** The message will never arrive: dropped at random, or `cut` by a partition (which the sender notices). */
  lost(m: Message, cut: boolean): void;
  /** `to` sees its connection from `from` close (EOF or RST). */
  closed(from: NodeId, to: NodeId): void;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export class Network {
  private faults: LinkFaults;
  /** Directed links that are cut, as `from * 1024 + to`. */
  private readonly cut = new Set<number>();
  private readonly lastArrival = new Map<number, number>();
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };

  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: Prng,
    private readonly endpoints: NetworkEndpoints,
    faults: LinkFaults,
  ) {
    this.faults = faults;
  }

  setFaults(faults: LinkFaults): void {
    this.faults = faults;
  }

  /** Cuts from → to only (an asymmetric partition when the reverse link stays up). */
  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(from * 1024 + to);
  }

  /** Cuts every link between the two sides, in both directions. */
  partition(sideA: readonly NodeId[], sideB: readonly NodeId[]): void {
    for (const a of sideA) {
      for (const b of sideB) {
        this.cutLink(a, b);
        this.cutLink(b, a);
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(from * 1024 + to);
  }

  send(m: Message): void {
    this.stats.sent++;
    const { minLatency, maxLatency, dropRate, duplicateRate } = this.faults;
    if (this.isCut(m.from, m.to)) {
      this.stats.dropped++;
      this.endpoints.lost(m, true);
      return;
    }
    if (dropRate > 0 && this.random.chance(dropRate)) {
      this.stats.dropped++;
      this.endpoints.lost(m, false);
      return;
    }
    const copies = duplicateRate > 0 && this.random.chance(duplicateRate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const latency = maxLatency > minLatency ? this.random.between(minLatency, maxLatency) : minLatency;
      this.scheduler.after(latency, () => this.arrive(m));
      this.noteArrival(m, this.scheduler.now() + latency);
    }
  }

  /**
   * Closes the connection that carries `from`'s messages to `to`: `to` notices after a message
   * latency (the FIN or RST travels like any packet), and after every message already in flight
   * on that link, as a stream delivers its data before its end.
   */
  closeConnection(from: NodeId, to: NodeId): void {
    const { minLatency, maxLatency } = this.faults;
    const latency = maxLatency > minLatency ? this.random.between(minLatency, maxLatency) : minLatency;
    // TCP delivers what was sent before the FIN first: the close comes after the link's last message.
    const drained = (this.lastArrival.get(from * 1024 + to) ?? 0) - this.scheduler.now();
    this.scheduler.after(Math.max(latency, drained), () => this.endpoints.closed(from, to));
  }

  /** Per directed link, the time its last message in flight arrives (only links a close may end). */
  private noteArrival(m: Message, at: number): void {
    const link = m.from * 1024 + m.to;
    if (at > (this.lastArrival.get(link) ?? 0)) this.lastArrival.set(link, at);
  }

  private arrive(m: Message): void {
    if (this.isCut(m.from, m.to)) {
      this.stats.dropped++;
      this.endpoints.lost(m, true);
      return;
    }
    this.stats.delivered++;
    this.endpoints.deliver(m);
  }
}
