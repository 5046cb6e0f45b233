// What one watched folder has put into the cluster, kept on disk so that a folder of 100,000
// files costs the manager no more memory than a folder of ten.
//
// Two files in the folder's own directory:
//   index.jsonl    one line per file, sorted by path (JavaScript string order, like the nodes'
//                  listings): {"p":path,"s":size,"m":mtimeMs,"h":sha256}. Rewritten whole, in
//                  path order, by every full scan (temp file, fsync, rename), which streams it
//                  while walking the folder — so reading it never needs it all in memory.
//   journal.jsonl  what changed since that rewrite, appended as uploads finish: the same lines,
//                  or {"p":path,"gone":true}. Also held in memory (it is bounded by what changed
//                  between two scans, and a scan follows every burst); a later line wins. Each
//                  rewrite of the index folds the journal in and shrinks it to what came after.
// Appends are not fsynced: a record lost in a crash only costs the next scan a hash of that file
// (its size matches the cluster's copy, so it is hashed, found equal, and not sent again).
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readTextIfExists, writeFileAtomic } from '../files';

export interface IndexEntry {
  /** Path relative to the folder, forward slashes. */
  readonly p: string;
  readonly s: number;
  readonly m: number;
  /** SHA-256 (hex) of the content the cluster got for this size and mtime. */
  readonly h: string;
}

const entrySchema = z.object({ p: z.string().min(1), s: z.number().int().min(0), m: z.number(), h: z.string().regex(/^[0-9a-f]{64}$/) });
const goneSchema = z.object({ p: z.string().min(1), gone: z.literal(true) });

/** A line that does not parse is a torn last append (a crash mid-write) and is skipped. */
function parseLine(line: string): IndexEntry | { p: string; gone: true } | null {
  if (line.trim() === '') return null;
  try {
    const value: unknown = JSON.parse(line);
    const entry = entrySchema.safeParse(value);
    if (entry.success) return entry.data;
    const gone = goneSchema.safeParse(value);
    return gone.success ? gone.data : null;
  } catch {
    return null;
  }
}

export class FolderIndex {
  /** Changes since the last rewrite; null marks a path that is no longer in the cluster for us. */
  private readonly journal = new Map<string, IndexEntry | null>();
  private unwritten: string[] = [];
  /** Every disk write, one after another. */
  private disk: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<FolderIndex> {
    await mkdir(dir, { recursive: true });
    const index = new FolderIndex(dir);
    const text = await readTextIfExists(index.journalFile);
    for (const line of (text ?? '').split('\n')) {
      const parsed = parseLine(line);
      if (parsed) index.journal.set(parsed.p, 'gone' in parsed ? null : parsed);
    }
    return index;
  }

  private get indexFile(): string {
    return path.join(this.dir, 'index.jsonl');
  }

  private get journalFile(): string {
    return path.join(this.dir, 'journal.jsonl');
  }

  /** The last write that failed (the disk is full, the folder went away), until one succeeds. */
  get writeFailure(): Error | null {
    return this.failure;
  }

  record(entry: IndexEntry): void {
    this.journal.set(entry.p, entry);
    this.append(JSON.stringify({ p: entry.p, s: entry.s, m: entry.m, h: entry.h }));
  }

  forget(file: string): void {
    this.journal.set(file, null);
    this.append(JSON.stringify({ p: file, gone: true }));
  }

  /** What the journal recorded for `file` since the index file was written (undefined: nothing). */
  recorded(file: string): IndexEntry | null | undefined {
    return this.journal.get(file);
  }

  /** The journal as it is now, sorted by path: what a scan merges with the index file. */
  journalSnapshot(): [string, IndexEntry | null][] {
    return [...this.journal].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * The index file's entries in path order (the journal not applied), read a chunk at a time as
   * they are consumed. (readline's async iterator reads ahead without limit: 100,000 lines in
   * memory at once.)
   */
  async *entries(): AsyncGenerator<IndexEntry> {
    let rest = '';
    try {
      for await (const chunk of createReadStream(this.indexFile, { encoding: 'utf8' }) as AsyncIterable<string>) {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const parsed = parseLine(line);
          if (parsed && !('gone' in parsed)) yield parsed;
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const last = parseLine(rest);
    if (last && !('gone' in last)) yield last;
  }

  /**
   * Replaces the index file with what `fill` writes (in path order), then drops from the journal
   * every change `snapshot` held that is still the latest for its path: those are now in the
   * index. Changes recorded meanwhile stay in the journal.
   */
  async rewrite(snapshot: readonly [string, IndexEntry | null][], fill: (write: (entry: IndexEntry) => Promise<void>) => Promise<void>): Promise<void> {
    const temp = `${this.indexFile}.tmp`;
    const handle = await open(temp, 'w');
    try {
      let buffered: string[] = [];
      const flush = async () => {
        await handle.write(buffered.join(''));
        buffered = [];
      };
      await fill(async (entry) => {
        buffered.push(`${JSON.stringify({ p: entry.p, s: entry.s, m: entry.m, h: entry.h })}\n`);
        if (buffered.length >= 512) await flush();
      });
      await flush();
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.indexFile);
    for (const [file, change] of snapshot) if (this.journal.get(file) === change) this.journal.delete(file);
    this.disk = this.disk.then(() => this.rewriteJournal());
    await this.disk;
  }

  /** Waits for every append so far to reach the file. */
  async flush(): Promise<void> {
    await this.disk;
  }

  /** Deletes the folder's index (the folder is no longer watched). */
  async destroy(): Promise<void> {
    await this.disk;
    await rm(this.dir, { recursive: true, force: true });
  }

  private append(line: string): void {
    this.unwritten.push(`${line}\n`);
    if (this.unwritten.length > 1) return;
    // One appendFile for however many records arrive before the previous write is done.
    this.disk = this.disk.then(async () => {
      const lines = this.unwritten;
      this.unwritten = [];
      if (lines.length === 0) return;
      await this.guard(() => appendFile(this.journalFile, lines.join('')));
    });
  }

  private async rewriteJournal(): Promise<void> {
    // Everything still unwritten is in the map, so the map alone is the new journal.
    this.unwritten = [];
    const lines = [...this.journal].map(([p, entry]) => `${JSON.stringify(entry ?? { p, gone: true })}\n`);
    await this.guard(() => writeFileAtomic(this.journalFile, lines.join('')));
  }

  private async guard(write: () => Promise<void>): Promise<void> {
    try {
      await write();
      this.failure = null;
    } catch (err) {
      this.failure = err as Error;
    }
  }
}
