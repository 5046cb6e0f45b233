// The clients: they write (alone or in batches), read linearizably, and retry writes that were
// lost to a crash or a partition until some node applies them. A write is done once any state
// machine applied it; a read is done once its node served it.

import type { Cluster } from './cluster';
import type { Prng } from './prng';
import type { WorkloadRates } from './scenario';
import { KEY_COUNT } from './state-machine';
import type { Command } from './state-machine';

const MAX_OUTSTANDING_WRITES = 32;

interface PendingWrite {
  readonly cmd: Command;
  lastSent: number;
}

export interface WorkloadStats {
  writesSubmitted: number;
  writesApplied: number;
  readsStarted: number;
  readsServed: number;
}

export class Workload {
  private nextProposalId = 1;
  private nextRead = 1;
  private readonly pending = new Map<number, PendingWrite>();
  private writing = true;
  readonly stats: WorkloadStats = { writesSubmitted: 0, writesApplied: 0, readsStarted: 0, readsServed: 0 };
  /** Reads served since the liveness phase began (the phase needs at least one). */
  readsServedSince = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly random: Prng,
    private readonly rates: WorkloadRates,
    /** A client gives up waiting for a write after this long and sends it again. */
    private readonly retryAfter: number,
  ) {
    cluster.listeners = {
      applied: (_node, cmd) => {
        if (this.pending.delete(cmd.proposalId)) this.stats.writesApplied++;
      },
      readServed: () => {
        this.stats.readsServed++;
        this.readsServedSince++;
      },
    };
  }

  start(): void {
    this.loop(this.rates.write, () => this.writeBatch());
    this.loop(this.retryAfter / 2, () => this.retryStale());
    if (this.rates.read > 0) this.loop(this.rates.read, () => this.read());
  }

  /** Liveness phase: no new writes, only retries of the pending ones; reads go on. */
  stopNewWrites(): void {
    this.writing = false;
    this.readsServedSince = 0;
  }

  /** The liveness phase needs reads even when the scenario had none. */
  ensureReads(): void {
    if (this.rates.read === 0) this.loop(40, () => this.read());
  }

  pendingWrites(): number {
    return this.pending.size;
  }

  private loop(mean: number, action: () => void): void {
    this.cluster.scheduler.after(this.random.between(1, Math.max(1, 2 * mean)), () => {
      action();
      this.loop(mean, action);
    });
  }

  private writeBatch(): void {
    if (!this.writing) return;
    // Clients wait for their writes: a bounded number outstanding, as with a real client pool.
    // Unbounded, a slow cluster's log grows faster than any leader can replicate it.
    const count = Math.min(this.random.between(1, this.rates.maxBatch), MAX_OUTSTANDING_WRITES - this.pending.size);
    const target = this.pickTarget();
    for (let i = 0; i < count; i++) {
      const cmd: Command = { proposalId: this.nextProposalId++, key: this.random.int(KEY_COUNT) };
      this.pending.set(cmd.proposalId, { cmd, lastSent: this.cluster.now() });
      this.stats.writesSubmitted++;
      target?.propose(cmd);
    }
  }

  private retryStale(): void {
    if (this.pending.size === 0) return;
    const now = this.cluster.now();
    const target = this.pickTarget();
    if (target === undefined) return;
    for (const write of this.pending.values()) {
      if (now - write.lastSent < this.retryAfter) continue;
      write.lastSent = now;
      target.propose(write.cmd);
    }
  }

  private read(): void {
    const up = this.cluster.upNodes();
    if (up.length === 0) return;
    const target = (this.random.chance(0.5) ? this.cluster.leader() : undefined) ?? this.random.pick(up);
    this.stats.readsStarted++;
    target.readIndex(`r${this.nextRead++}`, this.random.int(KEY_COUNT), this.cluster.checker.readStarts());
  }

  /** Mostly the leader, as a client that follows redirects would; sometimes any node, to exercise rejections. */
  private pickTarget(): ReturnType<Cluster['leader']> {
    const up = this.cluster.upNodes();
    if (up.length === 0) return undefined;
    if (this.random.chance(0.8)) return this.cluster.leader() ?? this.random.pick(up);
    return this.random.pick(up);
  }
}
