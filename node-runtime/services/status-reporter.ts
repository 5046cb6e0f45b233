// Builds the node's reports — GET /status and GET /stats — from the parts that own each fact.
import { diskFree } from '../storage/disk-free';
import type { FormatRange } from '../common/command-formats';
import type { NodeHealth, NodeStatus, PeerStatus, Stats } from '../common/api-types';
import { LOG_TERMS_WINDOW, quotaUsage } from '../common/api-types';
import type { StateMachine } from '../fsm';
import type { Clock } from '../ports';
import type { Status } from '../raft/types';
import type { CommandFormatStatus } from './command-format-gate';
import type { TrafficStats } from './traffic-stats';

export interface StatusSources {
  readonly id: number;
  readonly dataDir: string;
  readonly raft: () => Status;
  readonly applied: () => number;
  readonly fsm: StateMachine;
  /** Public HTTP URL of a node (self included), when known. */
  readonly httpUrlOf: (id: number) => string | null;
  readonly tickMs: () => number;
  readonly snapshotIndex: () => number;
  /** Term of a log entry this node holds durably; null outside its persisted log. */
  readonly termOf: (index: number) => number | null;
  /** When this node last streamed a whole backup (GET /backup); null before its first. */
  readonly lastBackupAt: () => number | null;
  /** Counts every stored chunk: costly, so a reading is reused for CHUNK_STATS_TTL_MS. */
  readonly chunkStats: () => Promise<{ count: number; bytes: number }>;
  readonly walBytes: () => number;
  readonly peerConnected: (id: number) => boolean;
  readonly commandFormats: () => CommandFormatStatus;
  /** The command formats a peer advertised in its handshake; null until it answered one. */
  readonly peerCommandFormats: (id: number) => FormatRange | null;
  readonly traffic: TrafficStats;
  readonly clock: Clock;
}

const CHUNK_STATS_TTL_MS = 5_000;

export class StatusReporter {
  private chunkStats: { at: number; value: { count: number; bytes: number } } | null = null;

  constructor(private readonly sources: StatusSources) {}

  status(): NodeStatus {
    const raft = this.sources.raft();
    const progress = raft.progress ?? {};
    const members = [...raft.confState.voters, ...raft.confState.learners, ...raft.confState.votersOutgoing];
    const peers: PeerStatus[] = [...new Set(members)]
      .filter((id) => id !== this.sources.id)
      .sort((a, b) => a - b)
      .map((id) => {
        const p = progress[id];
        return {
          id,
          url: this.sources.httpUrlOf(id),
          isLearner: raft.confState.learners.includes(id),
          state: p?.state ?? null,
          match: p?.match ?? null,
          next: p?.next ?? null,
          lastContactMs: p ? p.ticksSinceContact * this.sources.tickMs() : null,
          commandFormats: this.sources.peerCommandFormats(id),
        };
      });
    return {
      id: this.sources.id,
      role: raft.role,
      term: raft.term,
      leaderId: raft.leader || null,
      leaderUrl: raft.leader ? this.sources.httpUrlOf(raft.leader) : null,
      votedFor: raft.vote || null,
      commitIndex: raft.commit,
      appliedIndex: this.sources.applied(),
      lastIndex: raft.lastIndex,
      snapshotIndex: this.sources.snapshotIndex(),
      logTerms: this.logTerms(raft.firstIndex, raft.lastIndex),
      peers,
      commandFormats: this.sources.commandFormats(),
    };
  }

  /** Runs of equal terms over the newest entries, oldest first. */
  private logTerms(firstIndex: number, lastIndex: number): { from: number; to: number; term: number }[] {
    const runs: { from: number; to: number; term: number }[] = [];
    for (let index = Math.max(firstIndex, lastIndex - LOG_TERMS_WINDOW + 1); index <= lastIndex; index++) {
      const term = this.sources.termOf(index);
      // The core's view may run ahead of storage (entries or a snapshot still being persisted).
      if (term === null) continue;
      const last = runs[runs.length - 1];
      if (last && last.term === term && last.to === index - 1) last.to = index;
      else runs.push({ from: index, to: index, term });
    }
    return runs;
  }

  async stats(): Promise<Stats> {
    const totals = this.sources.fsm.totals();
    const quotaLimit = this.sources.fsm.clusterConfig().storageQuota;
    const chunks = await this.cachedChunkStats();
    const lastBackupAt = this.sources.lastBackupAt();
    return {
      totalFiles: totals.files,
      totalSize: totals.bytes,
      quotaLimit,
      ...quotaUsage(totals.bytes, quotaLimit),
      nodeStatus: this.health(),
      lastBackup: lastBackupAt === null ? null : new Date(lastBackupAt).toISOString(),
      bytesOnDisk: chunks.bytes + this.sources.walBytes(),
      chunkCount: chunks.count,
      diskFree: await diskFree(this.sources.dataDir),
      traffic: this.sources.traffic.snapshot(),
    };
  }

  private async cachedChunkStats(): Promise<{ count: number; bytes: number }> {
    const now = this.sources.clock.now();
    if (!this.chunkStats || now - this.chunkStats.at > CHUNK_STATS_TTL_MS) this.chunkStats = { at: now, value: await this.sources.chunkStats() };
    return this.chunkStats.value;
  }

  /** healthy: part of a working cluster; degraded: working, but peers are down; unhealthy: no leader. */
  health(): NodeHealth {
    const raft = this.sources.raft();
    if (!raft.leader) return 'unhealthy';
    const voters = raft.confState.voters.filter((id) => id !== this.sources.id);
    return voters.every((id) => this.sources.peerConnected(id)) ? 'healthy' : 'degraded';
  }
}
