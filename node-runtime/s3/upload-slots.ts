// How many S3 uploads this node takes at once.
import type http from 'node:http';
import { S3Error } from './s3-errors';

/**
 * The node's maxConcurrentUploads bound, for this endpoint's uploads: each holds a socket, a temp
 * file and a share of the leader's disk and replication. One past it is SlowDown (503, which S3
 * clients retry with back-off) before a byte of its body is read.
 */
export class UploadSlots {
  private inFlight = 0;

  take(res: http.ServerResponse, limit: number): void {
    if (this.inFlight >= limit) {
      res.setHeader('retry-after', '1');
      throw new S3Error('SlowDown', `This node already takes ${limit} uploads at once (setting maxConcurrentUploads); please reduce your request rate.`);
    }
    this.inFlight += 1;
    // 'close' fires once for every response, answered or cut off, so the slot always comes back.
    res.once('close', () => {
      this.inFlight -= 1;
    });
  }
}
