// How watched files reach the cluster. Two paths, one queue:
//   - fast: the watcher reports a change; the file is uploaded once its size and mtime have been
//     still for `stableMs` (never half-written);
//   - sure: a full scan (watched-scan.ts) after every burst of events, when the uploads of a
//     burst are done, on request and periodically, which finds whatever the watcher missed.
// Uploads run `concurrency` at a time across all folders; failures a retry can fix (no leader,
// no quorum, a broken connection) are retried with backoff, so uploads ride through an election.
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Folder } from './watched-folder';
import type { ListedFile, LocalFile, ScanContext, ScanTally } from './watched-scan';
import { reconcile, withJournal } from './watched-scan';
import type { WatchedCluster } from './watched-remote';
import { UploadError, WAIT_FOR_LEADER_CODES } from './watched-upload';
import { contains, walkSorted } from './watched-walk';

export interface SyncOptions {
  readonly cluster: WatchedCluster;
  /** How long a file's size and mtime must stay the same before it is uploaded. */
  readonly stableMs: number;
  /** Quiet time after the last event of a burst before its scan. */
  readonly burstQuietMs: number;
  /** A scan runs at least this often while events keep coming. */
  readonly burstMaxMs: number;
  readonly concurrency: number;
  /** First retry delay after a retryable failure; doubles up to 30 s. */
  readonly retryBaseMs: number;
  readonly now: () => number;
  /** Called when any folder's view may have changed. */
  readonly changed: () => void;
  /** The folder's root may be gone: check it (and pause the folder if so). */
  readonly checkRoot: (folder: Folder) => Promise<boolean>;
  /** Is the folder still watched (not removed, not closing)? */
  readonly isActive: (folder: Folder) => boolean;
}

const MAX_RETRY_MS = 30_000;

function absoluteOf(folder: Folder, file: string): string {
  return path.join(folder.root, ...file.split('/'));
}

async function* relativeTo(prefix: string, listing: AsyncIterable<{ name: string; size: number; sha256: string }>): AsyncGenerator<ListedFile> {
  for await (const file of listing) if (file.name.startsWith(prefix)) yield { path: file.name.slice(prefix.length), size: file.size, sha256: file.sha256 };
}

async function hashFile(file: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(file), hash);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return hash.digest('hex');
}

export class FolderSync {
  /** Files to upload, oldest first; `queueHead` is the next (shift() would copy 100,000 entries each time). */
  private queue: { folder: Folder; file: string }[] = [];
  private queueHead = 0;
  private running = 0;

  constructor(private readonly options: SyncOptions) {}

  /** A watcher event: the file (when a file was added or changed) settles, and a scan follows the burst. */
  noteEvent(folder: Folder, file: string | null): void {
    folder.noteChange();
    if (file !== null) this.settle(folder, file, this.options.stableMs);
    const now = this.options.now();
    folder.burstSince ??= now;
    if (folder.scanTimer) clearTimeout(folder.scanTimer);
    const delay = Math.max(0, Math.min(this.options.burstQuietMs, folder.burstSince + this.options.burstMaxMs - now));
    folder.scanTimer = setTimeout(() => {
      folder.scanTimer = null;
      folder.burstSince = null;
      this.requestScan(folder);
    }, delay);
    this.options.changed();
  }

  /** Runs a full scan now, or right after the one running. */
  requestScan(folder: Folder): void {
    if (!this.options.isActive(folder) || folder.paused) return;
    if (folder.scanning) {
      folder.scanAgain = true;
      return;
    }
    folder.scanning = true;
    this.options.changed();
    folder.scanDone = this.scan(folder).finally(() => {
      folder.scanning = false;
      if (folder.scanAgain) {
        folder.scanAgain = false;
        this.requestScan(folder);
      } else {
        this.workDone(folder);
      }
    });
  }

  /** (Re)starts the file's wait for stillness; when it ends the file is queued. */
  settle(folder: Folder, file: string, delayMs: number): void {
    const work = folder.work(file);
    if (work === 'uploading') {
      folder.changedWhileUploading.add(file);
      return;
    }
    if (work === 'queued') return;
    clearTimeout(folder.timers.get(file));
    folder.setWork(file, 'settling');
    folder.timers.set(file, setTimeout(() => void this.checkStill(folder, file), delayMs));
  }

  private async checkStill(folder: Folder, file: string): Promise<void> {
    folder.timers.delete(file);
    const signal = folder.abort.signal;
    const stats = await this.statInside(folder, file);
    if (signal.aborted || folder.work(file) !== 'settling') return;
    if (stats === null) {
      // Gone, or not a file after all (a folder, a link out): the next scan settles what it was.
      folder.endWork(file);
      folder.noteChange();
      this.workDone(folder);
      return;
    }
    const age = this.options.now() - stats.mtimeMs;
    if (age < this.options.stableMs) this.settle(folder, file, this.options.stableMs - age + 10);
    else this.enqueue(folder, file);
  }

  private enqueue(folder: Folder, file: string): void {
    folder.setWork(file, 'queued');
    this.queue.push({ folder, file });
    this.options.changed();
    this.pump();
  }

  private pump(): void {
    while (this.running < this.options.concurrency) {
      if (this.queueHead >= this.queue.length) {
        this.queue = [];
        this.queueHead = 0;
        return;
      }
      const next = this.queue[this.queueHead++] as { folder: Folder; file: string };
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      if (!this.options.isActive(next.folder) || next.folder.work(next.file) !== 'queued') continue;
      this.running++;
      void this.upload(next.folder, next.file).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /**
   * The file's stats when it is a regular file inside the folder (a link may point out) that is
   * not ignored; null otherwise. The watcher reports any path that changed, folders included.
   */
  private async statInside(folder: Folder, file: string): Promise<Stats | null> {
    if (folder.isIgnored(file, false)) return null;
    try {
      const absolute = absoluteOf(folder, file);
      if (!contains(folder.root, await realpath(absolute))) return null;
      const stats = await stat(absolute);
      return stats.isFile() ? stats : null;
    } catch {
      return null;
    }
  }

  private async upload(folder: Folder, file: string): Promise<void> {
    const signal = folder.abort.signal;
    folder.setWork(file, 'uploading');
    this.options.changed();
    let stats: Stats | null = null;
    try {
      stats = await this.statInside(folder, file);
      if (stats === null || this.options.now() - stats.mtimeMs < this.options.stableMs) {
        // Gone (the next scan forgets it), or written to again since it was queued.
        if (stats === null) folder.noteChange();
        else folder.changedWhileUploading.add(file);
        return;
      }
      const recorded = folder.index.recorded(file);
      // Reported again by the watcher, but this very content was uploaded already.
      if (recorded && recorded.s === stats.size && recorded.m === stats.mtimeMs) return;
      const requestId = folder.requestIdFor(file, stats.size, stats.mtimeMs);
      const sha256 = await this.options.cluster.upload(`${folder.remotePrefix}${file}`, absoluteOf(folder, file), stats.size, signal, requestId);
      const after = await this.statInside(folder, file);
      if (after === null || after.size !== stats.size || after.mtimeMs !== stats.mtimeMs) {
        // Changed while it was read: what the cluster got may be torn, so the file goes again.
        folder.changedWhileUploading.add(file);
        return;
      }
      this.uploaded(folder, file, stats, sha256);
    } catch (err) {
      if (!signal.aborted) this.failed(folder, file, stats, err);
    } finally {
      if (!signal.aborted) {
        if (folder.work(file) === 'uploading') folder.endWork(file);
        if (folder.changedWhileUploading.delete(file)) this.settle(folder, file, this.options.stableMs);
        this.workDone(folder);
      }
    }
  }

  private uploaded(folder: Folder, file: string, stats: Stats, sha256: string): void {
    folder.index.record({ p: file, s: stats.size, m: stats.mtimeMs, h: sha256 });
    if (folder.findings?.unsynced.delete(file)) folder.findings.synced++;
    folder.failed.delete(file);
    folder.attempts.delete(file);
    folder.forgetRequestId(file);
    folder.noteChange();
    folder.lastSyncedAt = this.options.now();
  }

  private failed(folder: Folder, file: string, stats: Stats | null, err: unknown): void {
    const failure = err instanceof UploadError ? err : new UploadError('internal', (err as Error).message, true);
    if (failure.retryable && WAIT_FOR_LEADER_CODES.has(failure.code)) {
      // An election (or every node restarting): not a problem of the file's, it goes once one leads.
      folder.waitingForLeader.add(file);
      this.retryLater(folder, file);
      return;
    }
    folder.waitingForLeader.delete(file);
    const problem = { file, error: failure.code, detail: failure.detail, at: this.options.now() };
    folder.lastProblem = problem;
    if (failure.retryable) {
      this.retryLater(folder, file);
    } else {
      folder.endWork(file);
      folder.forgetRequestId(file);
      folder.failed.set(file, { problem, size: stats?.size ?? -1, mtimeMs: stats?.mtimeMs ?? -1 });
    }
  }

  private retryLater(folder: Folder, file: string): void {
    const attempt = (folder.attempts.get(file) ?? 0) + 1;
    folder.attempts.set(file, attempt);
    folder.setWork(file, 'retrying');
    const delay = Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), MAX_RETRY_MS);
    folder.timers.set(file, setTimeout(() => {
      folder.timers.delete(file);
      if (folder.work(file) === 'retrying') this.enqueue(folder, file);
    }, delay));
  }

  /** When a folder has nothing left in flight and something changed, a scan confirms the result. */
  private workDone(folder: Folder): void {
    this.options.changed();
    if (folder.pending === 0 && folder.needsScan && folder.scanTimer === null && !folder.scanning) this.requestScan(folder);
  }

  private async scan(folder: Folder): Promise<void> {
    const startedAt = this.options.now();
    const signal = folder.abort.signal;
    folder.needsScan = false;
    const changesAtStart = folder.changes;
    const snapshot = folder.index.journalSnapshot();
    const walked = new Set<string>();
    let tally: ScanTally | undefined;
    try {
      await folder.index.rewrite(snapshot, async (write) => {
        tally = await reconcile(
          walkSorted(folder.root, folder.isIgnored, (prefix) => walked.add(prefix)),
          withJournal(folder.index.entries(), snapshot),
          relativeTo(folder.remotePrefix, this.options.cluster.list(folder.remotePrefix, signal)),
          this.scanContext(folder, write, new Map(snapshot)),
        );
      });
    } catch (err) {
      if (signal.aborted || !(await this.options.checkRoot(folder))) return;
      this.scanFailed(folder, err);
      return;
    }
    if (!tally || signal.aborted) return;
    folder.watcher?.sync(walked);
    folder.scanFailures = 0;
    folder.findings = { synced: tally.synced, skipped: tally.skipped, skippedSamples: tally.skippedSamples, unsynced: tally.unsynced };
    folder.scannedChanges = changesAtStart;
    folder.lastScanFoundAll = tally.pending === 0 && tally.failed === 0 && tally.toDelete.length === 0;
    folder.lastScan = { finishedAt: this.options.now(), durationMs: this.options.now() - startedAt, files: tally.files, hashed: tally.hashed };
    // A problem from before (a retry that since succeeded, a scan that failed) no longer holds.
    if (tally.pending === 0 && tally.failed === 0) folder.lastProblem = null;
    if (tally.toDelete.length > 0) await this.deleteRemoved(folder, tally.toDelete.map((entry) => entry.p));
  }

  private scanContext(folder: Folder, write: ScanContext['keep'], snapshot: ReadonlyMap<string, unknown>): ScanContext {
    const now = this.options.now();
    return {
      mirrorDeletes: folder.settings.deletePolicy === 'mirror',
      stableBefore: now - this.options.stableMs,
      isIgnored: (file) => folder.isIgnored(file, false),
      isBusy: (file) => folder.work(file) !== undefined,
      failedAs: (file) => folder.failed.get(file),
      recordedSince: (file) => {
        const recorded = folder.index.recorded(file);
        return recorded === snapshot.get(file) ? undefined : recorded;
      },
      hash: (file) => hashFile(absoluteOf(folder, file)),
      upload: (file: LocalFile) => this.enqueue(folder, file.path),
      settle: (file: LocalFile) => this.settle(folder, file.path, Math.max(10, file.mtimeMs + this.options.stableMs - now + 10)),
      keep: write,
    };
  }

  private scanFailed(folder: Folder, err: unknown): void {
    const failure = err instanceof UploadError ? err : new UploadError('scan_failed', (err as Error).message, true);
    folder.lastProblem = { file: null, error: failure.code, detail: `scanning ${folder.root} failed: ${failure.detail}`, at: this.options.now() };
    folder.needsScan = true;
    folder.scanFailures++;
    const delay = Math.min(this.options.retryBaseMs * 2 ** (folder.scanFailures - 1), MAX_RETRY_MS);
    if (folder.scanTimer) clearTimeout(folder.scanTimer);
    folder.scanTimer = setTimeout(() => {
      folder.scanTimer = null;
      this.requestScan(folder);
    }, delay);
  }

  /** Mirror deletes, only once the whole walk succeeded and the folder is still there. */
  private async deleteRemoved(folder: Folder, files: readonly string[]): Promise<void> {
    if (!(await this.options.checkRoot(folder))) return;
    const signal = folder.abort.signal;
    for (const file of files) {
      if (signal.aborted) return;
      try {
        await this.options.cluster.remove(`${folder.remotePrefix}${file}`, signal);
        folder.index.forget(file);
        folder.noteChange();
      } catch (err) {
        const failure = err instanceof UploadError ? err : new UploadError('internal', (err as Error).message, true);
        folder.lastProblem = { file, error: failure.code, detail: `deleting the cluster's copy failed (tried again at the next scan): ${failure.detail}`, at: this.options.now() };
      }
    }
  }
}
