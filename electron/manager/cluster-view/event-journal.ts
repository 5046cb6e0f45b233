// The cluster's recent history on disk, for replay and for charts that survive a reload: every
// snapshot, node event and leader change the manager published, in the manager's data directory.
//
// Format (version 1): `<dataDir>/journal/<first record's epoch ms>.jsonl`, one JSON object per
// line, `{ "at": <epoch ms>, "name": "snapshot" | "nodeEvent" | "leaderChange", "data": <the
// ManagerEvents payload> }`, in the order published. A file is closed once it passes
// maxFileBytes and a new one begins; the oldest files are deleted beyond maxFiles, so the journal
// stays bounded. A line torn by a crash is skipped when read.
import { appendFile, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JournalRecord } from '../../../node-runtime/common/manager-api';
import { parseRecord, recordLines, thinnedTail, type RecordLine } from './journal-lines';

const ALL_NAMES: ReadonlySet<JournalRecord['name']> = new Set(['snapshot', 'nodeEvent', 'leaderChange']);

export interface JournalOptions {
  readonly maxFileBytes?: number;
  readonly maxFiles?: number;
  /** Between flushes of what was appended (a crash loses at most this much history). */
  readonly flushIntervalMs?: number;
}

const FILE = /^(\d+)\.jsonl$/;

export class EventJournal {
  private readonly maxFileBytes: number;
  private readonly maxFiles: number;
  private readonly flushIntervalMs: number;
  private pending: string[] = [];
  private current: { file: string; bytes: number } | null = null;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly dir: string,
    options: JournalOptions,
  ) {
    this.maxFileBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
    this.maxFiles = options.maxFiles ?? 8;
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
  }

  /** Opens (or creates) the journal in `dir`; appends continue the newest file. */
  static async open(dir: string, options: JournalOptions = {}): Promise<EventJournal> {
    await mkdir(dir, { recursive: true });
    const journal = new EventJournal(dir, options);
    const newest = (await journal.files()).at(-1);
    if (newest !== undefined) {
      const bytes = (await stat(newest.file)).size;
      journal.current = { file: newest.file, bytes };
      // A crash mid-line left a torn last line: end it, so the next record starts a line of its own.
      if (bytes > 0 && (await lastByte(newest.file, bytes)) !== '\n') journal.pending.push('\n');
    }
    return journal;
  }

  append(record: JournalRecord): void {
    this.pending.push(`${JSON.stringify(record)}\n`);
    this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  /** Writes what was appended so far; resolves once it is on disk (and after earlier flushes). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const lines = this.pending;
    this.pending = [];
    this.writing = this.writing.then(() => this.write(lines)).catch(() => {
      // A full or failing disk costs history, never the live view.
    });
    return this.writing;
  }

  /** Records with `since <= at <= until`, oldest first, at most `limit` (the newest ones). */
  async read(since: number, until: number, limit: number): Promise<JournalRecord[]> {
    return (await thinnedTail(this.records(since, until), ALL_NAMES, 0, limit)).map((r) => r.record);
  }

  /**
   * Records with `since <= at <= until`, oldest first, streamed line by line; only the files
   * whose time span meets the range are opened (a file's name is its first record's time).
   */
  async *records(since: number, until: number): AsyncGenerator<RecordLine> {
    await this.flush();
    const files = await this.files();
    for (let i = 0; i < files.length; i += 1) {
      const next = files[i + 1];
      const file = files[i] as { start: number; file: string };
      if (file.start > until || (next !== undefined && next.start < since)) continue;
      for await (const entry of recordLines(file.file)) {
        if (entry.record.at >= since && entry.record.at <= until) yield entry;
      }
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const text = lines.join('');
    if (this.current === null || this.current.bytes >= this.maxFileBytes) {
      const first = parseRecord(lines[0] as string);
      this.current = { file: path.join(this.dir, `${first?.at ?? Date.now()}.jsonl`), bytes: 0 };
      await this.dropOldest();
    }
    await appendFile(this.current.file, text);
    this.current.bytes += Buffer.byteLength(text);
  }

  /** Keeps room for the file about to begin: at most maxFiles - 1 older ones. */
  private async dropOldest(): Promise<void> {
    const files = await this.files();
    for (const old of files.slice(0, Math.max(0, files.length - (this.maxFiles - 1)))) await rm(old.file, { force: true });
  }

  private async files(): Promise<{ start: number; file: string }[]> {
    const names = await readdir(this.dir);
    return names
      .map((name) => ({ match: FILE.exec(name), name }))
      .filter((f): f is { match: RegExpExecArray; name: string } => f.match !== null)
      .map((f) => ({ start: Number(f.match[1]), file: path.join(this.dir, f.name) }))
      .sort((a, b) => a.start - b.start);
  }
}

async function lastByte(file: string, size: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer.toString('latin1');
  } finally {
    await handle.close();
  }
}
