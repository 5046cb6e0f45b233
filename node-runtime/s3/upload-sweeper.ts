// Multipart uploads a client began and never completed or aborted would hold their parts (and
// quota) for good. On the leader, a periodic sweep removes every upload older than the expiry
// (7 days by default, as S3 lifecycle rules usually set it); the chunks that only those parts
// used then go with the node's ordinary garbage collection.
import type { Logger } from 'pino';
import type { S3Services } from './s3-services';
import { bucketsWithUploads, uploadsIn, removeUpload } from './multipart-ops';

const DEFAULT_EXPIRY_MS = 7 * 24 * 3600 * 1000;
const DEFAULT_SWEEP_MS = 3600 * 1000;

function msFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 10) throw new Error(`${name} must be a whole number of milliseconds, at least 10 (got "${raw}")`);
  return value;
}

export class UploadSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly expiryMs: number;
  private readonly everyMs: number;

  constructor(
    private readonly services: S3Services,
    private readonly logger: Logger,
    env: NodeJS.ProcessEnv,
  ) {
    this.expiryMs = msFromEnv(env, 'DFS_S3_UPLOAD_EXPIRY_MS', DEFAULT_EXPIRY_MS);
    this.everyMs = msFromEnv(env, 'DFS_S3_UPLOAD_SWEEP_MS', DEFAULT_SWEEP_MS);
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Removes expired uploads when this node leads; returns how many. */
  async sweep(): Promise<number> {
    if (this.running || !this.services.leader().isLeader) return 0;
    this.running = true;
    let removed = 0;
    try {
      const cutoff = Date.now() - this.expiryMs;
      for (const bucket of bucketsWithUploads(this.services)) {
        for (const upload of uploadsIn(this.services, bucket)) {
          if (Date.parse(upload.marker.createdAt) > cutoff) continue;
          await removeUpload(this.services, bucket, upload.uploadId);
          removed += 1;
          this.logger.info({ bucket, uploadId: upload.uploadId }, 'removed an abandoned multipart upload');
        }
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'multipart upload sweep stopped early; it runs again later');
    } finally {
      this.running = false;
    }
    return removed;
  }
}
