// The fast path's trigger: one `fs.watch` per folder of the tree, never one per file. chokidar
// watches every file on its own (an inotify watch and a handle each): for 100,000 files that is
// over a gigabyte of manager memory and more watches than many systems allow. A folder's watch
// already reports what happens to the files in it, and nothing here needs more than "this path
// changed": the upload path stats the file itself, and the scan after the burst finds the rest.
//
// A new sub-folder is watched as soon as its creation is reported, along with any folders already
// inside it; files written into it before that are found by the scan. After each scan, the set
// of watched folders is made exactly the set the scan walked.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IgnoreTest } from './watched-ignore';

export class FolderWatcher {
  /** By folder prefix: '' for the root, 'a/b/' below it. */
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  /**
   * `onChange` gets the relative path of what changed, or null when the platform did not say.
   * `onError` gets failures to watch (e.g. the system's limit of watches): scans still find changes.
   */
  constructor(
    private readonly root: string,
    private readonly ignored: IgnoreTest,
    private readonly onChange: (file: string | null) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Watches the root and every folder under it. */
  async start(): Promise<void> {
    await this.watchTree('');
  }

  /** Watches exactly these folders (prefixes ending in "/") besides the root. */
  sync(folders: ReadonlySet<string>): void {
    if (this.closed) return;
    for (const prefix of folders) this.watchOne(prefix);
    for (const [prefix, watcher] of this.watchers) {
      if (prefix !== '' && !folders.has(prefix)) {
        watcher.close();
        this.watchers.delete(prefix);
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private absolute(relative: string): string {
    return path.join(this.root, ...relative.split('/').filter(Boolean));
  }

  private async watchTree(prefix: string): Promise<void> {
    if (this.closed) return;
    this.watchOne(prefix);
    let entries;
    try {
      entries = await readdir(this.absolute(prefix), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relative = prefix + entry.name;
      if (entry.isDirectory() && !this.ignored(relative, true)) await this.watchTree(`${relative}/`);
    }
  }

  private watchOne(prefix: string): void {
    if (this.closed || this.watchers.has(prefix)) return;
    try {
      const watcher = watch(this.absolute(prefix), (_event, name) => this.changed(prefix, name));
      // A watched folder that is deleted ends its watch; the scan after the burst sees the rest.
      watcher.on('error', () => {
        watcher.close();
        if (this.watchers.get(prefix) === watcher) this.watchers.delete(prefix);
      });
      this.watchers.set(prefix, watcher);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(err as Error);
    }
  }

  private changed(prefix: string, name: string | null): void {
    if (this.closed) return;
    if (name === null) {
      this.onChange(null);
      return;
    }
    const relative = prefix + name.split(path.sep).join('/');
    if (this.ignored(relative, false) && this.ignored(relative, true)) return;
    this.onChange(relative);
    void stat(this.absolute(relative))
      .then((stats) => (stats.isDirectory() && !this.ignored(relative, true) ? this.watchTree(`${relative}/`) : undefined))
      .catch(() => {});
  }
}
