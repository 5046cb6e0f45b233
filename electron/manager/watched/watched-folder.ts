// One watched folder's live state: its settings, the files being worked on, what failed and
// why, what the last full scan found, and the view of all that the dashboard shows.
import { randomUUID } from 'node:crypto';
import type { WatchedFolder, WatchedFolderProblem, WatchedFolderSettings } from '../../../node-runtime/common/manager-api';
import { compileIgnore, type IgnoreTest } from './watched-ignore';
import type { FolderIndex } from './watched-index';
import type { FolderWatcher } from './watched-watcher';

/** Where a file is on its way to the cluster. */
export type Work = 'settling' | 'queued' | 'uploading' | 'retrying';

export interface FailedFile {
  readonly problem: WatchedFolderProblem;
  /** The file as it was when it failed: it is tried again once it changes. */
  readonly size: number;
  readonly mtimeMs: number;
}

/** What the last full scan found, kept current as its pending files are uploaded. */
export interface ScanFindings {
  synced: number;
  readonly skipped: number;
  readonly skippedSamples: readonly { path: string; reason: string }[];
  /** Files the scan found not in the cluster (yet): each becomes synced when its upload succeeds. */
  readonly unsynced: Set<string>;
}

const MAX_FAILURES_SHOWN = 50;

export class Folder {
  private readonly workByFile = new Map<string, Work>();
  /** Kept beside `workByFile` so the view does not walk 100,000 queued files to find a few. */
  private readonly uploadingNow = new Set<string>();
  /** The settle or retry timer of each file in `work` that has one. */
  readonly timers = new Map<string, NodeJS.Timeout>();
  readonly attempts = new Map<string, number>();
  /**
   * The request id (Idempotency-Key) of each file's upload, kept through its retries while the
   * file is unchanged: a retry after an unknown outcome is then stored once.
   */
  private readonly requestIds = new Map<string, { id: string; size: number; mtimeMs: number }>();
  readonly failed = new Map<string, FailedFile>();
  /**
   * Files whose last try found no leader (or no node to take it): they wait for one and are sent
   * again, which the dashboard shows as waiting, not as a problem.
   */
  readonly waitingForLeader = new Set<string>();
  /** Changed again while uploading: settled once more when that upload ends. */
  readonly changedWhileUploading = new Set<string>();
  /** Aborted when the folder pauses or stops: uploads and scans of this session end. */
  abort = new AbortController();
  watcher: FolderWatcher | null = null;
  private patterns: IgnoreTest;
  /** Folders inside this one that are never watched (the app's data folder), relative. */
  excluded: readonly string[] = [];
  paused: WatchedFolderProblem | null = null;
  /**
   * The file system (`stat().dev`) the folder was on when it was added or last resumed; null until
   * known (state saved before it was recorded). Another one means its drive may be gone.
   */
  device: number | null = null;
  scanning = false;
  /** The scan running now, awaited when the folder stops. */
  scanDone: Promise<void> = Promise.resolve();
  scanAgain = false;
  scanFailures = 0;
  /** A scan is due: something changed since the last scan began, or that scan failed. */
  needsScan = true;
  /** Counts changes (events, uploads, deletes, new settings): a scan vouches only for what came before it. */
  changes = 0;
  /** `changes` when the last completed scan began, and whether it found every file in the cluster. */
  scannedChanges = -1;
  lastScanFoundAll = false;
  /** A scan to come: after a burst of events ends, or a retry of a failed scan. */
  scanTimer: NodeJS.Timeout | null = null;
  burstSince: number | null = null;
  periodicTimer: NodeJS.Timeout | null = null;
  findings: ScanFindings | null = null;
  lastScan: WatchedFolder['lastScan'] = null;
  lastProblem: WatchedFolderProblem | null = null;
  lastSyncedAt: number | null = null;

  constructor(
    readonly id: string,
    readonly root: string,
    readonly remotePrefix: string,
    public settings: WatchedFolderSettings,
    readonly index: FolderIndex,
  ) {
    this.patterns = compileIgnore(settings.ignorePatterns);
  }

  /** Ignored by the folder's patterns, or inside an excluded folder. */
  readonly isIgnored: IgnoreTest = (relative, isFolder) =>
    this.patterns(relative, isFolder) || this.excluded.some((prefix) => relative === prefix || relative.startsWith(`${prefix}/`));

  work(file: string): Work | undefined {
    return this.workByFile.get(file);
  }

  get pending(): number {
    return this.workByFile.size;
  }

  setWork(file: string, work: Work): void {
    this.workByFile.set(file, work);
    if (work === 'uploading') this.uploadingNow.add(file);
    else this.uploadingNow.delete(file);
  }

  endWork(file: string): void {
    this.workByFile.delete(file);
    this.uploadingNow.delete(file);
    this.waitingForLeader.delete(file);
  }

  /** Something changed: the status is not "synced" again until a scan that began after this says so. */
  noteChange(): void {
    this.changes++;
    this.needsScan = true;
  }

  applySettings(settings: WatchedFolderSettings): void {
    this.settings = settings;
    this.patterns = compileIgnore(settings.ignorePatterns);
  }

  view(): WatchedFolder {
    return {
      id: this.id,
      path: this.root,
      remotePrefix: this.remotePrefix,
      ...this.settings,
      state: this.state(),
      scanning: this.scanning,
      pendingFiles: this.workByFile.size,
      waitingForLeader: this.waitingForLeader.size,
      syncedFiles: this.findings?.synced ?? 0,
      failedFiles: this.failed.size,
      skippedFiles: this.findings?.skipped ?? 0,
      failures: [...this.failed.keys()].sort().slice(0, MAX_FAILURES_SHOWN).map((file) => (this.failed.get(file) as FailedFile).problem),
      skipped: this.findings?.skippedSamples ?? [],
      uploading: [...this.uploadingNow],
      lastSyncedAt: this.lastSyncedAt,
      lastScan: this.lastScan,
      lastProblem: this.paused ?? this.lastProblem,
    };
  }

  private state(): WatchedFolder['state'] {
    if (this.paused) return 'paused';
    if (this.lastScan === null) return 'scanning';
    if (this.workByFile.size > 0 || this.changes !== this.scannedChanges) return 'syncing';
    // A scan that cannot finish (no node answers the listing) cannot vouch for anything.
    if (this.failed.size > 0 || this.scanFailures > 0) return 'error';
    return this.lastScanFoundAll ? 'synced' : 'syncing';
  }

  /** The request id for uploading `file` as it is now (the one of its last try while it is unchanged). */
  requestIdFor(file: string, size: number, mtimeMs: number): string {
    const kept = this.requestIds.get(file);
    if (kept && kept.size === size && kept.mtimeMs === mtimeMs) return kept.id;
    const id = randomUUID();
    this.requestIds.set(file, { id, size, mtimeMs });
    return id;
  }

  /** The file's upload ended (stored, or failed for good): its next one is a new request. */
  forgetRequestId(file: string): void {
    this.requestIds.delete(file);
  }

  /** Forgets every file in flight (the folder paused or stopped); failures are kept. */
  clearWork(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.workByFile.clear();
    this.uploadingNow.clear();
    this.waitingForLeader.clear();
    this.attempts.clear();
    this.requestIds.clear();
    this.changedWhileUploading.clear();
    if (this.scanTimer) clearTimeout(this.scanTimer);
    this.scanTimer = null;
    this.burstSince = null;
    this.abort.abort();
    this.abort = new AbortController();
    // Whatever happens next (a resume) must be confirmed by a scan.
    this.noteChange();
  }
}
