// Fetches a chunk this node lacks (or holds corrupt) from a peer, verifies it against its
// SHA-256 and stores it. Reads, catch-up and the scrubber all repair through here, so the
// counters shown by /recovery/status cover every path.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ApiError } from '../common/errors';

export interface RepairSources {
  /** Peers to ask, best first (e.g. the leader, then the others). */
  peers(): number[];
  fetch(peer: number, hash: string): Promise<Readable>;
  store(hash: string, data: Buffer): Promise<void>;
}

export interface RepairCounters {
  chunksFetched: number;
  bytesFetched: number;
  failures: number;
}

export class ChunkRepairer {
  readonly counters: RepairCounters = { chunksFetched: 0, bytesFetched: 0, failures: 0 };
  /** Concurrent requests for one chunk share one fetch. */
  private readonly inFlight = new Map<string, Promise<Buffer>>();

  constructor(private readonly sources: RepairSources) {}

  repair(hash: string, size: number): Promise<Buffer> {
    let pending = this.inFlight.get(hash);
    if (!pending) {
      pending = this.fetchFromPeers(hash, size).finally(() => this.inFlight.delete(hash));
      this.inFlight.set(hash, pending);
    }
    return pending;
  }

  private async fetchFromPeers(hash: string, size: number): Promise<Buffer> {
    const problems: string[] = [];
    for (const peer of this.sources.peers()) {
      try {
        const data = await readBounded(await this.sources.fetch(peer, hash), size);
        const actual = createHash('sha256').update(data).digest('hex');
        if (actual !== hash || data.length !== size) {
          problems.push(`node ${peer} sent bytes that do not match`);
          continue;
        }
        await this.sources.store(hash, data);
        this.counters.chunksFetched += 1;
        this.counters.bytesFetched += data.length;
        return data;
      } catch (err) {
        problems.push(`node ${peer}: ${(err as Error).message}`);
      }
    }
    this.counters.failures += 1;
    throw new ApiError('unavailable', `chunk ${hash.slice(0, 12)}… is missing here and no peer could supply it (${problems.join('; ') || 'no peers'})`);
  }
}

/** Collects a chunk's bytes, refusing more than `size` (a peer cannot make us buffer without bound). */
async function readBounded(stream: Readable, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const part of stream as AsyncIterable<Buffer>) {
    total += part.length;
    if (total > size) {
      stream.destroy();
      throw new Error(`sent more than the chunk's ${size} bytes`);
    }
    parts.push(part);
  }
  return Buffer.concat(parts, total);
}
