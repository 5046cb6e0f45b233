// What clients moved through this node, for GET /stats: cumulative byte counters (a reader takes
// the rate from two readings) and the latency of recent requests as percentiles.

const LATENCY_WINDOW = 1024;

export interface TrafficSnapshot {
  readonly uploadedBytes: number;
  readonly downloadedBytes: number;
  readonly requests: number;
  /** Over the last LATENCY_WINDOW requests; null before any. */
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
}

export class TrafficStats {
  private uploadedBytes = 0;
  private downloadedBytes = 0;
  private requests = 0;
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

  snapshot(): TrafficSnapshot {
    const recent = Array.from(this.latencies.subarray(0, Math.min(this.requests, LATENCY_WINDOW))).sort((a, b) => a - b);
    const percentile = (p: number) => (recent.length === 0 ? null : (recent[Math.min(recent.length - 1, Math.floor(p * recent.length))] as number));
    return {
      uploadedBytes: this.uploadedBytes,
      downloadedBytes: this.downloadedBytes,
      requests: this.requests,
      latencyP50Ms: percentile(0.5),
      latencyP95Ms: percentile(0.95),
    };
  }
}
