// What clients moved through this node, for GET /stats: cumulative byte counters (a reader takes
// the rate from two readings), the latency of recent requests as percentiles, and the proposals
// this node made to the Raft log and how they ended.

const LATENCY_WINDOW = 1024;

export interface TrafficSnapshot {
  readonly uploadedBytes: number;
  readonly downloadedBytes: number;
  readonly requests: number;
  /** Proposals whose entry was committed and applied (a command the state machine refused included). */
  readonly proposalsCommitted: number;
  /** Proposals that never committed: dropped by a leader change, timed out, or made on a node that stopped. */
  readonly proposalsFailed: number;
  /** Over the last LATENCY_WINDOW requests; null before any. */
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
}

export class TrafficStats {
  private uploadedBytes = 0;
  private downloadedBytes = 0;
  private requests = 0;
  private proposalsCommitted = 0;
  private proposalsFailed = 0;
  /** A ring of the most recent request durations, ms. */
  private readonly latencies = new Float64Array(LATENCY_WINDOW);

  recordUpload(bytes: number): void {
    this.uploadedBytes += bytes;
  }

  recordDownload(bytes: number): void {
    this.downloadedBytes += bytes;
  }

  recordRequest(ms: number): void {
    this.latencies[this.requests % LATENCY_WINDOW] = ms;
    this.requests += 1;
  }

  recordProposal(committed: boolean): void {
    if (committed) this.proposalsCommitted += 1;
    else this.proposalsFailed += 1;
  }

  snapshot(): TrafficSnapshot {
    const recent = Array.from(this.latencies.subarray(0, Math.min(this.requests, LATENCY_WINDOW))).sort((a, b) => a - b);
    const percentile = (p: number) => (recent.length === 0 ? null : (recent[Math.min(recent.length - 1, Math.floor(p * recent.length))] as number));
    return {
      uploadedBytes: this.uploadedBytes,
      downloadedBytes: this.downloadedBytes,
      requests: this.requests,
      proposalsCommitted: this.proposalsCommitted,
      proposalsFailed: this.proposalsFailed,
      latencyP50Ms: percentile(0.5),
      latencyP95Ms: percentile(0.95),
    };
  }
}
