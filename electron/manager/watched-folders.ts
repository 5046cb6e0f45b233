// Watched folders: local folders whose files are uploaded to the cluster when they are added or
// changed — once the write has finished (chokidar's awaitWriteFinish: the size stopped moving)
// and a short debounce has passed, so a burst of saves is one upload. Each file becomes
// `<folder name>/<relative path>` in the cluster. Deleting a local file never deletes it from
// the cluster. What was uploaded (size + mtime per file) is remembered in `watched-folders.json`,
// so a restart uploads only what changed meanwhile.
//
// Plain Node (no 'electron'): the manager owns one WatchedFolders and publishes `list()`; the app
// adds folders chosen in a native folder picker.
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { z } from 'zod';
import { ApiError } from '../../node-runtime/common/errors';
import { readTextIfExists, writeFileAtomic } from './files';
import { UploadError, type FileUploader } from './watched-upload';

/** `scanning` until the first walk of the folder is done; `error` when files failed or the folder is gone. */
export type WatchedFolderState = 'scanning' | 'syncing' | 'synced' | 'error';

export interface WatchedFolderProblem {
  /** The file's path relative to the folder, or null for a problem with the folder itself. */
  readonly file: string | null;
  readonly error: string;
  readonly detail: string;
  /** Epoch ms. */
  readonly at: number;
}

/** One watched folder as the dashboard shows it (what the manager puts in its snapshot). */
export interface WatchedFolderView {
  readonly id: string;
  readonly path: string;
  /** Cluster names of this folder's files start with this, e.g. `Photos/`. */
  readonly remotePrefix: string;
  readonly state: WatchedFolderState;
  /** Files waiting for their write to settle, queued, uploading or waiting to retry. */
  readonly pendingFiles: number;
  /** Files whose current content is in the cluster. */
  readonly syncedFiles: number;
  /** Files that failed for a reason a retry cannot fix (bad name, locked, quota); retried when they change. */
  readonly failedFiles: number;
  /** Relative paths being uploaded right now. */
  readonly uploading: readonly string[];
  /** Epoch ms of the last successful upload. */
  readonly lastSyncedAt: number | null;
  readonly lastProblem: WatchedFolderProblem | null;
}

export interface WatchedFoldersOptions {
  /** Where the folder list and what was uploaded are kept (e.g. `<dataDir>/watched-folders.json`). */
  readonly stateFile: string;
  readonly upload: FileUploader;
  /** Folders that may not be watched, nor watched into (the app's data dir: its chunks would loop). */
  readonly forbiddenRoots?: readonly string[];
  /** Quiet time after a file's last change before it is queued (default 500 ms). */
  readonly debounceMs?: number;
  /** How long a file's size must stay the same before its write counts as finished (default 1000 ms). */
  readonly writeFinishMs?: number;
  /** How often the size is checked meanwhile (default 100 ms). */
  readonly writeFinishPollMs?: number;
  /** Uploads in flight across all folders (default 2). */
  readonly concurrency?: number;
  /** First retry delay after a retryable failure; doubles up to 30 s (default 1000 ms). */
  readonly retryBaseMs?: number;
  readonly now?: () => number;
}

const MAX_RETRY_MS = 30_000;

const syncedFileSchema = z.object({ size: z.number().int().min(0), mtimeMs: z.number() });
const stateFileSchema = z.object({
  version: z.literal(1),
  folders: z.array(z.object({
    id: z.string().min(1),
    path: z.string().min(1),
    remotePrefix: z.string().min(1),
    synced: z.record(z.string(), syncedFileSchema),
  })),
});

type SyncedFile = z.infer<typeof syncedFileSchema>;

/** Editor swap files, partial downloads and hidden files are never uploaded. */
export function isIgnoredName(relativePath: string): boolean {
  return relativePath.split(/[\\/]/).some((part) =>
    part.startsWith('.') || part.endsWith('~') || /\.(tmp|temp|part|partial|crdownload|download|swp|swx)$/i.test(part) || /^~\$/.test(part),
  );
}

function contains(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

class Folder {
  readonly synced = new Map<string, SyncedFile>();
  readonly failed = new Map<string, WatchedFolderProblem>();
  readonly settling = new Map<string, NodeJS.Timeout>();
  readonly retrying = new Map<string, NodeJS.Timeout>();
  readonly attempts = new Map<string, number>();
  readonly queued = new Set<string>();
  readonly uploading = new Set<string>();
  /** Changed again while uploading: queued once more when that upload ends. */
  readonly dirty = new Set<string>();
  readonly abort = new AbortController();
  watcher: FSWatcher | null = null;
  ready = false;
  folderProblem: WatchedFolderProblem | null = null;
  lastProblem: WatchedFolderProblem | null = null;
  lastSyncedAt: number | null = null;

  constructor(
    readonly id: string,
    readonly root: string,
    readonly remotePrefix: string,
  ) {}

  view(): WatchedFolderView {
    const pending = new Set([...this.settling.keys(), ...this.retrying.keys(), ...this.queued, ...this.uploading]);
    let state: WatchedFolderState;
    if (this.folderProblem) state = 'error';
    else if (!this.ready) state = 'scanning';
    else if (pending.size > 0) state = 'syncing';
    else state = this.failed.size > 0 ? 'error' : 'synced';
    return {
      id: this.id,
      path: this.root,
      remotePrefix: this.remotePrefix,
      state,
      pendingFiles: pending.size,
      syncedFiles: this.synced.size,
      failedFiles: this.failed.size,
      uploading: [...this.uploading],
      lastSyncedAt: this.lastSyncedAt,
      lastProblem: this.folderProblem ?? this.lastProblem,
    };
  }

  stopTimers(): void {
    for (const timer of [...this.settling.values(), ...this.retrying.values()]) clearTimeout(timer);
    this.settling.clear();
    this.retrying.clear();
  }
}

export class WatchedFolders {
  private readonly folders = new Map<string, Folder>();
  private readonly queue: { folder: Folder; file: string }[] = [];
  private running = 0;
  private readonly listeners = new Set<(folders: readonly WatchedFolderView[]) => void>();
  private notifyScheduled = false;
  private saveScheduled = false;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly now: () => number;

  private constructor(private readonly options: WatchedFoldersOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Loads the saved folders and starts watching them (a folder that is gone shows as `error`). */
  static async open(options: WatchedFoldersOptions): Promise<WatchedFolders> {
    const folders = new WatchedFolders(options);
    const text = await readTextIfExists(options.stateFile);
    if (text !== null) {
      const parsed = stateFileSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`${options.stateFile} is not a valid watched-folders file: ${parsed.error.message}`);
      for (const saved of parsed.data.folders) {
        const folder = new Folder(saved.id, saved.path, saved.remotePrefix);
        for (const [file, synced] of Object.entries(saved.synced)) folder.synced.set(file, synced);
        folders.folders.set(folder.id, folder);
        await folders.startWatching(folder);
      }
    }
    return folders;
  }

  list(): WatchedFolderView[] {
    return [...this.folders.values()].map((folder) => folder.view());
  }

  /** Called (at most once per tick) with the new list whenever any folder's state changed. */
  onChange(listener: (folders: readonly WatchedFolderView[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts watching `folderPath` (absolute): its existing files are uploaded, then every change. */
  async add(folderPath: string): Promise<WatchedFolderView> {
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
    const folder = new Folder(randomUUID(), root, this.uniquePrefix(path.basename(root) || 'folder'));
    this.folders.set(folder.id, folder);
    await this.startWatching(folder);
    this.saveSoon();
    this.changed();
    await this.saving;
    return folder.view();
  }

  /** Stops watching; files already uploaded stay in the cluster. */
  async remove(id: string): Promise<void> {
    const folder = this.folders.get(id);
    if (!folder) throw new ApiError('not_found', `no watched folder "${id}"`);
    this.folders.delete(id);
    await this.stopWatching(folder);
    this.saveSoon();
    this.changed();
    await this.saving;
  }

  /** Stops every watcher and upload, and writes the state file one last time. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.folders.values()].map((folder) => this.stopWatching(folder)));
    this.saveSoon();
    await this.saving;
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

  private async startWatching(folder: Folder): Promise<void> {
    try {
      if (!(await stat(folder.root)).isDirectory()) throw new Error('not a folder');
    } catch (err) {
      folder.folderProblem = { file: null, error: 'folder_missing', detail: `${folder.root} cannot be read: ${(err as Error).message}`, at: this.now() };
      return;
    }
    const forbidden = await this.forbiddenRoots();
    const watcher = watch(folder.root, {
      ignoreInitial: false,
      followSymlinks: false,
      alwaysStat: true,
      awaitWriteFinish: { stabilityThreshold: this.options.writeFinishMs ?? 1000, pollInterval: this.options.writeFinishPollMs ?? 100 },
      ignored: (file: string) => {
        const relative = path.relative(folder.root, file);
        return (relative !== '' && isIgnoredName(relative)) || forbidden.some((root) => contains(root, file));
      },
    });
    folder.watcher = watcher;
    const relativeOf = (file: string) => path.relative(folder.root, file).split(path.sep).join('/');
    watcher.on('add', (file, stats) => this.onFileChanged(folder, relativeOf(file), stats));
    watcher.on('change', (file, stats) => this.onFileChanged(folder, relativeOf(file), stats));
    watcher.on('unlink', (file) => this.onFileRemoved(folder, relativeOf(file)));
    watcher.on('ready', () => {
      folder.ready = true;
      this.changed();
    });
    watcher.on('error', (err) => {
      folder.folderProblem = { file: null, error: 'watch_failed', detail: `watching ${folder.root} failed: ${(err as Error).message}`, at: this.now() };
      this.changed();
    });
  }

  private async stopWatching(folder: Folder): Promise<void> {
    folder.stopTimers();
    folder.abort.abort();
    await folder.watcher?.close();
    folder.watcher = null;
  }

  private onFileChanged(folder: Folder, file: string, stats: Stats | undefined): void {
    const known = folder.synced.get(file);
    // The first walk after a restart reports every file: unchanged ones are already in the cluster.
    if (known && stats && known.size === stats.size && known.mtimeMs === stats.mtimeMs) return;
    this.settle(folder, file);
  }

  private onFileRemoved(folder: Folder, file: string): void {
    clearTimeout(folder.settling.get(file));
    folder.settling.delete(file);
    clearTimeout(folder.retrying.get(file));
    folder.retrying.delete(file);
    folder.attempts.delete(file);
    folder.failed.delete(file);
    if (folder.synced.delete(file)) this.saveSoon();
    this.changed();
  }

  /** (Re)starts the file's debounce; when it runs out the file is queued. */
  private settle(folder: Folder, file: string): void {
    clearTimeout(folder.settling.get(file));
    folder.settling.set(file, setTimeout(() => {
      folder.settling.delete(file);
      this.enqueue(folder, file);
    }, this.options.debounceMs ?? 500));
    this.changed();
  }

  private enqueue(folder: Folder, file: string): void {
    if (this.closed || this.folders.get(folder.id) !== folder) return;
    if (folder.uploading.has(file)) {
      folder.dirty.add(file);
    } else if (!folder.queued.has(file)) {
      folder.queued.add(file);
      this.queue.push({ folder, file });
    }
    this.changed();
    this.pump();
  }

  private pump(): void {
    while (this.running < (this.options.concurrency ?? 2)) {
      const next = this.queue.shift();
      if (!next) return;
      next.folder.queued.delete(next.file);
      if (this.folders.get(next.folder.id) !== next.folder) continue;
      this.running++;
      void this.upload(next.folder, next.file).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async upload(folder: Folder, file: string): Promise<void> {
    folder.uploading.add(file);
    this.changed();
    const absolute = path.join(folder.root, ...file.split('/'));
    try {
      let stats: Stats;
      try {
        stats = await stat(absolute);
      } catch {
        // Gone before its turn: its unlink event cleans up.
        return;
      }
      const known = folder.synced.get(file);
      if (known && known.size === stats.size && known.mtimeMs === stats.mtimeMs) return;
      await this.options.upload(`${folder.remotePrefix}${file}`, absolute, stats.size, folder.abort.signal);
      folder.synced.set(file, { size: stats.size, mtimeMs: stats.mtimeMs });
      folder.failed.delete(file);
      folder.attempts.delete(file);
      folder.lastSyncedAt = this.now();
      this.saveSoon();
    } catch (err) {
      if (folder.abort.signal.aborted) return;
      const failure = err instanceof UploadError ? err : new UploadError('internal', (err as Error).message, true);
      const problem: WatchedFolderProblem = { file, error: failure.code, detail: failure.detail, at: this.now() };
      folder.lastProblem = problem;
      if (failure.retryable) this.retryLater(folder, file);
      else folder.failed.set(file, problem);
    } finally {
      folder.uploading.delete(file);
      if (folder.dirty.delete(file)) this.settle(folder, file);
      this.changed();
    }
  }

  private retryLater(folder: Folder, file: string): void {
    const attempt = (folder.attempts.get(file) ?? 0) + 1;
    folder.attempts.set(file, attempt);
    const delay = Math.min((this.options.retryBaseMs ?? 1000) * 2 ** (attempt - 1), MAX_RETRY_MS);
    clearTimeout(folder.retrying.get(file));
    folder.retrying.set(file, setTimeout(() => {
      folder.retrying.delete(file);
      this.enqueue(folder, file);
    }, delay));
  }

  private changed(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    setImmediate(() => {
      this.notifyScheduled = false;
      const folders = this.list();
      for (const listener of this.listeners) listener(folders);
    });
  }

  /** Coalesces writes: one write after the current one, however many changes came meanwhile. */
  private saveSoon(): void {
    if (this.saveScheduled) return;
    this.saveScheduled = true;
    this.saving = this.saving.then(async () => {
      this.saveScheduled = false;
      const folders = [...this.folders.values()].map((folder) => ({
        id: folder.id,
        path: folder.root,
        remotePrefix: folder.remotePrefix,
        synced: Object.fromEntries(folder.synced),
      }));
      await writeFileAtomic(this.options.stateFile, `${JSON.stringify({ version: 1, folders }, null, 2)}\n`);
    }).catch((err: unknown) => {
      for (const folder of this.folders.values()) {
        folder.lastProblem = { file: null, error: 'internal', detail: `could not save ${this.options.stateFile}: ${(err as Error).message}`, at: this.now() };
      }
      this.changed();
    });
  }
}
