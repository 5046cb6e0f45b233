// One full scan of a watched folder: the folder's files, what the index says the cluster got, and
// what the cluster lists under the folder's prefix, merged in path order one entry at a time.
// This, not the watcher, is what makes a watched folder correct: a file the watcher never
// reported is found here. For each path:
//   - on disk, and the index vouches for this size + mtime with the hash the cluster lists: synced,
//     nothing read;
//   - on disk, not vouched for, and the cluster lists the same size: hashed, and synced when the
//     hashes match (e.g. after the index was lost) — the only time a scan reads file contents;
//   - on disk otherwise: uploaded, once its size and mtime have been still for a moment;
//   - gone from disk but in the index: forgotten; with "mirror deletes", also deleted from the
//     cluster when the cluster still holds what we uploaded (never someone else's newer copy).
// Ignored paths are forgotten, never deleted. Paths under a folder that could not be read keep
// what the index says, so an unreadable folder never looks like a deleted one.
import type { IndexEntry } from './watched-index';
import type { WalkItem } from './watched-walk';

export interface LocalFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A cluster file under the folder's prefix, named relative to the folder. */
export interface ListedFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ScanContext {
  readonly mirrorDeletes: boolean;
  /** Files modified after this (epoch ms) may still be being written. */
  readonly stableBefore: number;
  isIgnored(path: string): boolean;
  /** Already waiting, queued or uploading: counted as pending, left alone. */
  isBusy(path: string): boolean;
  /** The size and mtime a file had when it failed for good; it is retried once they change. */
  failedAs(path: string): { readonly size: number; readonly mtimeMs: number } | undefined;
  /**
   * What was recorded for the file after the scan began (an upload the node confirmed while the
   * listing was already read): vouches for the file like the index does.
   */
  recordedSince(path: string): IndexEntry | null | undefined;
  /** SHA-256 of the file now; null when it vanished. */
  hash(path: string): Promise<string | null>;
  upload(file: LocalFile): void;
  /** The file changed too recently: look again once it has been still for a moment. */
  settle(file: LocalFile): void;
  /** Writes one line of the new index (called in path order). */
  keep(entry: IndexEntry): Promise<void>;
}

export interface ScanTally {
  files: number;
  synced: number;
  pending: number;
  failed: number;
  skipped: number;
  hashed: number;
  /** Files to delete from the cluster once the walk has finished (still in the new index). */
  readonly toDelete: IndexEntry[];
  /** Paths the last scan found not (yet) in the cluster: each counts as synced once uploaded. */
  readonly unsynced: Set<string>;
  /** Why files were skipped (at most a few, for the dashboard). */
  readonly skippedSamples: { path: string; reason: string }[];
}

const MAX_SKIPPED_SAMPLES = 20;

interface Keyed {
  readonly path: string;
}

/** An async iterator that shows its next item before taking it, and checks the order. */
class Head<T extends Keyed> {
  private current: T | undefined;
  private done = false;
  private constructor(private readonly iterator: AsyncIterator<T>, private readonly what: string) {}

  static async of<T extends Keyed>(items: AsyncIterable<T>, what: string): Promise<Head<T>> {
    const head = new Head(items[Symbol.asyncIterator](), what);
    await head.advance();
    return head;
  }

  peek(): T | undefined {
    return this.done ? undefined : this.current;
  }

  async advance(): Promise<void> {
    const previous = this.current?.path;
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      return;
    }
    // Merging only works on sorted inputs; out of order would look like deletions, so stop loudly.
    if (previous !== undefined && !(previous < next.value.path)) {
      throw new Error(`${this.what} is not in path order: "${next.value.path}" after "${previous}"`);
    }
    this.current = next.value;
  }

  async take(path: string): Promise<T | undefined> {
    const item = this.peek();
    if (item === undefined || item.path !== path) return undefined;
    await this.advance();
    return item;
  }
}

/** The index file with the journal's later changes applied, in path order. */
export async function* withJournal(entries: AsyncIterable<IndexEntry>, journal: readonly [string, IndexEntry | null][]): AsyncGenerator<IndexEntry & Keyed> {
  let j = 0;
  for await (const entry of entries) {
    for (; j < journal.length && (journal[j]![0]) < entry.p; j++) {
      const change = journal[j]![1];
      if (change) yield { ...change, path: change.p };
    }
    if (j < journal.length && journal[j]![0] === entry.p) {
      const change = journal[j++]![1];
      if (change) yield { ...change, path: change.p };
      continue;
    }
    yield { ...entry, path: entry.p };
  }
  for (; j < journal.length; j++) {
    const change = journal[j]![1];
    if (change) yield { ...change, path: change.p };
  }
}

export async function reconcile(
  local: AsyncIterable<WalkItem>,
  known: AsyncIterable<IndexEntry & Keyed>,
  listed: AsyncIterable<ListedFile>,
  ctx: ScanContext,
): Promise<ScanTally> {
  const tally: ScanTally = { files: 0, synced: 0, pending: 0, failed: 0, skipped: 0, hashed: 0, toDelete: [], unsynced: new Set(), skippedSamples: [] };
  const disk = await Head.of(local, 'the folder walk');
  const index = await Head.of(known, 'the index');
  const cluster = await Head.of(listed, 'the cluster listing');
  let shelter: string | null = null;
  for (;;) {
    const heads = [disk.peek()?.path, index.peek()?.path, cluster.peek()?.path].filter((p): p is string => p !== undefined);
    if (heads.length === 0) return tally;
    const path = heads.reduce((a, b) => (b < a ? b : a));
    const item = await disk.take(path);
    if (item?.kind === 'unreadable') {
      shelter = item.path;
      tally.skipped++;
      if (tally.skippedSamples.length < MAX_SKIPPED_SAMPLES) tally.skippedSamples.push({ path: item.path, reason: item.detail });
      continue;
    }
    const entry = await index.take(path);
    const remote = await cluster.take(path);
    if (item?.kind === 'skipped') {
      tally.skipped++;
      if (tally.skippedSamples.length < MAX_SKIPPED_SAMPLES) tally.skippedSamples.push({ path: item.path, reason: item.reason });
    } else if (item?.kind === 'file') {
      tally.files++;
      await reconcileFile(item, entry, remote, ctx, tally);
    } else if (entry) {
      if (shelter !== null && path.startsWith(shelter)) {
        await ctx.keep(entry);
      } else if (ctx.mirrorDeletes && !ctx.isIgnored(path) && remote?.sha256 === entry.h) {
        // Kept until the delete succeeded, so a failed delete is tried again by the next scan.
        await ctx.keep(entry);
        tally.toDelete.push(entry);
      }
    }
  }
}

async function reconcileFile(file: LocalFile, entry: IndexEntry | undefined, remote: ListedFile | undefined, ctx: ScanContext, tally: ScanTally): Promise<void> {
  const vouched = entry !== undefined && entry.s === file.size && entry.m === file.mtimeMs;
  if (vouched && remote?.sha256 === entry.h) {
    tally.synced++;
    await ctx.keep(entry);
    return;
  }
  const recorded = ctx.recordedSince(file.path);
  if (recorded && recorded.s === file.size && recorded.m === file.mtimeMs) {
    tally.synced++;
    await ctx.keep(recorded);
    return;
  }
  const found = await classify(file, vouched, remote, ctx, tally);
  if (found === 'synced') {
    tally.synced++;
    return;
  }
  if (entry) await ctx.keep(entry);
  if (found === 'failed') {
    tally.failed++;
  } else {
    tally.pending++;
    tally.unsynced.add(file.path);
  }
}

/** A file the index does not vouch for: failed before, pending, or found equal by its hash. */
async function classify(file: LocalFile, vouched: boolean, remote: ListedFile | undefined, ctx: ScanContext, tally: ScanTally): Promise<'synced' | 'failed' | 'pending'> {
  const failed = ctx.failedAs(file.path);
  if (failed && failed.size === file.size && failed.mtimeMs === file.mtimeMs) return 'failed';
  if (ctx.isBusy(file.path)) return 'pending';
  if (file.mtimeMs > ctx.stableBefore) {
    ctx.settle(file);
    return 'pending';
  }
  if (!vouched && remote?.size === file.size) {
    tally.hashed++;
    const sha256 = await ctx.hash(file.path);
    if (sha256 === remote.sha256) {
      await ctx.keep({ p: file.path, s: file.size, m: file.mtimeMs, h: sha256 });
      return 'synced';
    }
  }
  ctx.upload(file);
  return 'pending';
}
