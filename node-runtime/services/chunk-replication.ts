// Pushes the chunks of one upload to every follower while the upload is still arriving, and
// tells the writer when a majority of voters (the leader included) holds every chunk durably —
// the moment DESIGN.md's write path may propose the file's metadata.
import { ApiError } from '../common/errors';

export interface ChunkPusher {
  /** Resolves once `peer` holds the chunk durably. */
  push(peer: number, hash: string, size: number): Promise<void>;
}

export interface ReplicationTarget {
  /** Voting members other than this node. */
  readonly followers: readonly number[];
  /** Non-voting members: they get the chunks too but do not count toward the majority. */
  readonly learners: readonly number[];
}

/**
 * One upload's replication. Chunks are pushed to each peer in order, one at a time per peer (so a
 * slow peer costs a queue of hashes, not memory); a peer whose push fails is given up for this
 * upload — it repairs the chunks later from the file's metadata.
 */
export class ChunkReplication {
  private readonly chains = new Map<number, Promise<void>>();
  private readonly failed = new Map<number, Error>();
  private readonly target: ReplicationTarget;

  constructor(
    private readonly pusher: ChunkPusher,
    target: ReplicationTarget,
  ) {
    this.target = target;
    for (const peer of [...target.followers, ...target.learners]) this.chains.set(peer, Promise.resolve());
  }

  /** Queues a durable local chunk for every peer. */
  add(hash: string, size: number): void {
    for (const [peer, chain] of this.chains) {
      this.chains.set(
        peer,
        chain.then(async () => {
          if (this.failed.has(peer)) return;
          try {
            await this.pusher.push(peer, hash, size);
          } catch (err) {
            this.failed.set(peer, err instanceof Error ? err : new Error(String(err)));
          }
        }),
      );
    }
  }

  /**
   * Resolves when enough followers hold every chunk queued so far for a majority of voters;
   * rejects with no_quorum when too many followers failed. Pushes to the remaining peers go on
   * in the background.
   */
  async quorum(): Promise<{ holders: number[] }> {
    const voters = this.target.followers.length + 1;
    const neededFollowers = Math.floor(voters / 2);
    const holders: number[] = [];
    if (neededFollowers === 0) return { holders };
    return new Promise((resolve, reject) => {
      let settled = 0;
      let done = false;
      for (const peer of this.target.followers) {
        const chain = this.chains.get(peer) ?? Promise.resolve();
        void chain.then(() => {
          settled += 1;
          if (done) return;
          if (!this.failed.has(peer)) holders.push(peer);
          if (holders.length >= neededFollowers) {
            done = true;
            resolve({ holders });
          } else if (settled === this.target.followers.length) {
            done = true;
            const reasons = [...this.failed].map(([id, err]) => `node ${id}: ${err.message}`).join('; ');
            reject(new ApiError('no_quorum', `only ${holders.length + 1} of ${voters} voters hold the file's chunks (${reasons})`));
          }
        });
      }
    });
  }
}
