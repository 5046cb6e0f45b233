// Watched folders: local folders whose files the manager keeps in the cluster, each file as
// `<folder name>/<relative path>`. The watcher (watched-watcher.ts) makes changes arrive fast; full scans
// make them arrive at all (see watched-sync.ts and watched-scan.ts). The folder list and each
// folder's settings are kept in `watched-folders.json`; what each folder uploaded is kept in an
// index on disk (watched-index.ts), so a restart uploads only what changed meanwhile and a large
// tree costs no memory per file.
//
// A folder that disappears (an unplugged drive) pauses: nothing is uploaded or deleted until it
// is back, which the manager checks every `rootCheckMs`. So does a folder that is suddenly on another
// file system: a drive unmounted from its mount point leaves that folder behind, empty, and with
// "mirror deletes" a scan of it would delete everything from the cluster. It resumes by itself when
// the drive is back, or when the user says the folder as it is now is the one to keep (`resume`).
//
// Plain Node (no 'electron'): the manager owns one WatchedFolders and publishes `list()`; the app
// adds folders chosen in a native folder picker, web mode folders typed as paths.
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ApiError } from '../../../node-runtime/common/errors';
import type { WatchedFolder, WatchedFolderProblem, WatchedFolderSettings } from '../../../node-runtime/common/manager-api';
import { readTextIfExists, writeFileAtomic } from '../files';
import { Folder } from './watched-folder';
import { DEFAULT_IGNORE_PATTERNS, checkIgnorePatterns } from './watched-ignore';
import { FolderIndex } from './watched-index';
import type { WatchedCluster } from './watched-remote';
import { FolderSync } from './watched-sync';
import { contains } from './watched-walk';
import { FolderWatcher } from './watched-watcher';

const NOTIFY_INTERVAL_MS = 100;

export interface WatchedFoldersOptions {
  /** Where the folder list is kept (e.g. `<dataDir>/watched-folders.json`). */
  readonly stateFile: string;
  /** Where each folder's index lives (default `watched-index/` beside the state file). */
  readonly indexDir?: string;
  readonly cluster: WatchedCluster;
  /** Folders that may not be watched, nor watched into (the app's data dir: its chunks would loop). */
  readonly forbiddenRoots?: readonly string[];
  /** How long a file's size and mtime must stay the same before it is uploaded (default 1000 ms). */
  readonly stableMs?: number;
  /** Quiet time after a burst of events before its scan (default 1000 ms). */
  readonly burstQuietMs?: number;
  /** While events keep coming, a scan still runs this often (default 10 s). */
  readonly burstMaxMs?: number;
  /** Uploads in flight across all folders (default 4). */
  readonly concurrency?: number;
  /** First retry delay after a retryable failure; doubles up to 30 s (default 1000 ms). */
  readonly retryBaseMs?: number;
  /** How often each folder's presence is checked (default 2000 ms). */
  readonly rootCheckMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_SETTINGS: WatchedFolderSettings = {
  deletePolicy: 'upload-only',
  ignorePatterns: DEFAULT_IGNORE_PATTERNS,
  rescanIntervalSec: 600,
};

export const settingsSchema = z.object({
  deletePolicy: z.enum(['upload-only', 'mirror']),
  ignorePatterns: z.array(z.string()),
  rescanIntervalSec: z.number().int().min(10).max(7 * 24 * 3600),
});

const savedFolderSchema = z.object({ id: z.string().min(1), path: z.string().min(1), remotePrefix: z.string().min(1) });
const stateFileSchema = z.union([
  // Version 1 kept sizes and mtimes inline and had no settings: the first scan rebuilds the index.
  z.object({ version: z.literal(1), folders: z.array(savedFolderSchema) }),
  // `device` came later (optional, so state written before it opens, and older managers ignore it).
  z.object({ version: z.literal(2), folders: z.array(savedFolderSchema.extend(settingsSchema.shape).extend({ device: z.number().int().min(0).optional() })) }),
]);

const ON_OTHER_DRIVE = 'folder_on_other_drive';

export class WatchedFolders {
  private readonly folders = new Map<string, Folder>();
  private readonly listeners = new Set<(folders: readonly WatchedFolder[]) => void>();
  private readonly sync: FolderSync;
  private readonly rootTimer: NodeJS.Timeout;
  private notifyScheduled = false;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly now: () => number;

  private constructor(private readonly options: WatchedFoldersOptions) {
    this.now = options.now ?? Date.now;
    this.sync = new FolderSync({
      cluster: options.cluster,
      stableMs: options.stableMs ?? 1000,
      burstQuietMs: options.burstQuietMs ?? 1000,
      burstMaxMs: options.burstMaxMs ?? 10_000,
      concurrency: options.concurrency ?? 4,
      retryBaseMs: options.retryBaseMs ?? 1000,
      now: this.now,
      changed: () => this.changed(),
      checkRoot: (folder) => this.checkRoot(folder),
      isActive: (folder) => !this.closed && this.folders.get(folder.id) === folder,
    });
    this.rootTimer = setInterval(() => {
      for (const folder of this.folders.values()) void this.checkRoot(folder);
    }, options.rootCheckMs ?? 2000);
  }

  /** Loads the saved folders and starts watching them (a folder that is gone shows as `paused`). */
  static async open(options: WatchedFoldersOptions): Promise<WatchedFolders> {
    const folders = new WatchedFolders(options);
    const text = await readTextIfExists(options.stateFile);
    if (text !== null) {
      const parsed = stateFileSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`${options.stateFile} is not a valid watched-folders file: ${parsed.error.message}`);
      for (const saved of parsed.data.folders) {
        const settings = 'deletePolicy' in saved ? settingsSchema.parse(saved) : DEFAULT_SETTINGS;
        const folder = new Folder(saved.id, saved.path, saved.remotePrefix, settings, await FolderIndex.open(folders.indexDirOf(saved.id)));
        folder.device = 'device' in saved ? (saved.device ?? null) : null;
        folders.folders.set(folder.id, folder);
        await folders.activate(folder);
      }
    }
    return folders;
  }

  list(): WatchedFolder[] {
    return [...this.folders.values()].map((folder) => folder.view());
  }

  /** Called (at most every 100 ms) with the new list whenever any folder's state changed. */
  onChange(listener: (folders: readonly WatchedFolder[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts watching `folderPath` (absolute): a full scan uploads its files, then every change follows. */
  async add(folderPath: string, requested: Partial<WatchedFolderSettings> = {}): Promise<WatchedFolder> {
    const settings = checkSettings({ ...DEFAULT_SETTINGS, ...requested });
    const root = await this.checkAddable(folderPath);
    const id = randomUUID();
    const folder = new Folder(id, root, this.uniquePrefix(path.basename(root) || 'folder'), settings, await FolderIndex.open(this.indexDirOf(id)));
    folder.device = (await stat(root)).dev;
    this.folders.set(folder.id, folder);
    await this.activate(folder);
    await this.save();
    return folder.view();
  }

  /** Changes a folder's settings; a full scan applies them (new ignore patterns, a new delete policy). */
  async update(id: string, requested: Partial<WatchedFolderSettings>): Promise<WatchedFolder> {
    const folder = this.get(id);
    folder.applySettings(checkSettings({ ...folder.settings, ...requested }));
    folder.noteChange();
    this.schedulePeriodic(folder);
    await this.save();
    this.rescan(id);
    return folder.view();
  }

  /** Runs a full scan of the folder now (or right after the one running). */
  rescan(id: string): void {
    this.sync.requestScan(this.get(id));
  }

  /**
   * Resumes a folder paused because it is now on another file system (its drive was unmounted and
   * the empty mount point is left, or the folder was moved to another disk): what is there now is
   * the folder from here on, and the next scan treats it so. A missing folder resumes by itself.
   */
  async resume(id: string): Promise<WatchedFolder> {
    const folder = this.get(id);
    if (folder.paused?.error !== ON_OTHER_DRIVE) throw new ApiError('conflict', `${folder.root} is not paused for a change of drive`);
    let device: number;
    try {
      device = (await stat(folder.root)).dev;
    } catch (err) {
      throw new ApiError('conflict', `${folder.root} is not there (${(err as Error).message})`);
    }
    folder.device = device;
    await this.save();
    await this.checkRoot(folder);
    return folder.view();
  }

  /** Stops watching; files already uploaded stay in the cluster. */
  async remove(id: string): Promise<void> {
    const folder = this.get(id);
    this.folders.delete(id);
    await this.deactivate(folder);
    await folder.index.destroy();
    await this.save();
  }

  /** Stops every watcher, scan and upload, and writes what is unwritten. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.rootTimer);
    for (const folder of this.folders.values()) {
      await this.deactivate(folder);
      await folder.index.flush();
    }
    await this.saving;
  }

  private get(id: string): Folder {
    const folder = this.folders.get(id);
    if (!folder) throw new ApiError('not_found', `no watched folder "${id}"`);
    return folder;
  }

  private indexDirOf(id: string): string {
    return path.join(this.options.indexDir ?? path.join(path.dirname(this.options.stateFile), 'watched-index'), id);
  }

  private async checkAddable(folderPath: string): Promise<string> {
    if (!path.isAbsolute(folderPath)) throw new ApiError('bad_request', `"${folderPath}" is not an absolute path`);
    let root: string;
    try {
      root = await realpath(folderPath);
      if (!(await stat(root)).isDirectory()) throw new ApiError('bad_request', `${folderPath} is not a folder`);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError('bad_request', `cannot watch ${folderPath}: ${(err as Error).message}`);
    }
    for (const other of this.folders.values()) {
      if (contains(other.root, root) || contains(root, other.root)) {
        throw new ApiError('conflict', `${root} overlaps the watched folder ${other.root}`);
      }
    }
    for (const forbidden of await this.forbiddenRoots()) {
      if (contains(forbidden, root)) throw new ApiError('bad_request', `${root} is inside the app's data folder and cannot be watched`);
    }
    return root;
  }

  private async forbiddenRoots(): Promise<string[]> {
    const roots: string[] = [];
    for (const root of this.options.forbiddenRoots ?? []) roots.push(await realpath(root).catch(() => path.resolve(root)));
    return roots;
  }

  private uniquePrefix(base: string): string {
    const taken = new Set([...this.folders.values()].map((f) => f.remotePrefix));
    for (let n = 1; ; n++) {
      const prefix = n === 1 ? `${base}/` : `${base}-${n}/`;
      if (!taken.has(prefix)) return prefix;
    }
  }

  /** Watches the folder and scans it — or pauses it when it is not there. */
  private async activate(folder: Folder): Promise<void> {
    this.schedulePeriodic(folder);
    if (!(await this.rootPresent(folder))) return;
    await this.startWatcher(folder);
    this.sync.requestScan(folder);
  }

  private async deactivate(folder: Folder): Promise<void> {
    if (folder.periodicTimer) clearInterval(folder.periodicTimer);
    folder.periodicTimer = null;
    folder.clearWork();
    folder.watcher?.close();
    folder.watcher = null;
    await folder.scanDone;
  }

  private schedulePeriodic(folder: Folder): void {
    if (folder.periodicTimer) clearInterval(folder.periodicTimer);
    folder.periodicTimer = setInterval(() => this.sync.requestScan(folder), folder.settings.rescanIntervalSec * 1000);
  }

  /** True when the folder is there; otherwise it is paused (and resumed once it is back). */
  private async checkRoot(folder: Folder): Promise<boolean> {
    const present = await this.rootPresent(folder);
    if (this.closed || this.folders.get(folder.id) !== folder) return present;
    if (!present && folder.watcher !== null) {
      folder.watcher.close();
      folder.watcher = null;
      folder.clearWork();
      this.changed();
    } else if (present && folder.paused) {
      folder.paused = null;
      await this.startWatcher(folder);
      this.sync.requestScan(folder);
    }
    return present;
  }

  private async rootPresent(folder: Folder): Promise<boolean> {
    const problem = await this.rootProblem(folder);
    if (problem === null) return true;
    // The first sighting of a problem is kept (its time is when the pause began) unless it changes.
    if (folder.paused?.error !== problem.error) folder.paused = { file: null, ...problem, at: this.now() };
    return false;
  }

  private async rootProblem(folder: Folder): Promise<Pick<WatchedFolderProblem, 'error' | 'detail'> | null> {
    const missing = (why: string) => ({ error: 'folder_missing', detail: `${folder.root} is not there (${why}); paused until it is back — nothing is uploaded or deleted meanwhile` });
    let stats: Stats;
    try {
      stats = await stat(folder.root);
    } catch (err) {
      return missing((err as Error).message);
    }
    if (!stats.isDirectory()) return missing('it is no longer a folder');
    if (folder.device === null) {
      folder.device = stats.dev;
      void this.save();
    } else if (stats.dev !== folder.device) {
      return {
        error: ON_OTHER_DRIVE,
        detail: `${folder.root} is on another drive than before: if its drive was unmounted, this is the empty folder left behind. Paused — nothing is uploaded or deleted. Mount the drive again, or resume to keep the folder as it is now`,
      };
    }
    return null;
  }

  private async startWatcher(folder: Folder): Promise<void> {
    folder.excluded = (await this.forbiddenRoots())
      .filter((root) => contains(folder.root, root))
      .map((root) => path.relative(folder.root, root).split(path.sep).join('/'));
    const watcher = new FolderWatcher(
      folder.root,
      folder.isIgnored,
      (file) => {
        if (folder.watcher === watcher) this.sync.noteEvent(folder, file);
      },
      (err) => {
        folder.lastProblem = { file: null, error: 'watch_failed', detail: `watching ${folder.root} for changes failed (${err.message}); changes are still found by scans`, at: this.now() };
        this.changed();
      },
    );
    folder.watcher = watcher;
    await watcher.start();
  }

  /** At most ten notifications a second: a burst of 10,000 uploads is not 10,000 SSE events. */
  private changed(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    setTimeout(() => {
      this.notifyScheduled = false;
      const folders = this.list();
      for (const listener of this.listeners) listener(folders);
    }, NOTIFY_INTERVAL_MS);
  }

  /** Writes the folder list (after any write already under way). */
  private save(): Promise<void> {
    this.saving = this.saving.catch(() => {}).then(async () => {
      const folders = [...this.folders.values()].map((folder) => ({
        id: folder.id,
        path: folder.root,
        remotePrefix: folder.remotePrefix,
        ...folder.settings,
        ...(folder.device === null ? {} : { device: folder.device }),
      }));
      await writeFileAtomic(this.options.stateFile, `${JSON.stringify({ version: 2, folders }, null, 2)}\n`);
    });
    return this.saving;
  }
}

function checkSettings(settings: WatchedFolderSettings): WatchedFolderSettings {
  const parsed = settingsSchema.safeParse(settings);
  if (!parsed.success) throw new ApiError('bad_request', `invalid watched-folder settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  checkIgnorePatterns(parsed.data.ignorePatterns);
  return parsed.data;
}
