// Reading the manager's JSON-lines files (the journal, the chart history) one line at a time: a
// read holds one line and what it keeps, never a whole file (a journal file grows to 8 MiB).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { JournalRecord } from '../../../node-runtime/common/manager-api';

/** A record and the line it was read from (answered as is, without a second stringify). */
export interface RecordLine {
  readonly record: JournalRecord;
  readonly line: string;
}

export function parseRecord(line: string): JournalRecord | null {
  if (line.trim() === '') return null;
  try {
    const record = JSON.parse(line) as JournalRecord;
    return typeof record.at === 'number' && typeof record.name === 'string' ? record : null;
  } catch {
    return null;
  }
}

/** The file's records in order; a torn line is skipped, a file deleted meanwhile reads as empty. */
export async function* recordLines(file: string): AsyncGenerator<RecordLine> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      const record = parseRecord(line);
      if (record !== null) yield { record, line };
    }
  } catch (err) {
    // Rotation or retention may delete a file between listing and reading it.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  } finally {
    lines.close();
  }
}

/**
 * The newest `limit` records of the given kinds, oldest first, with at most one snapshot (the
 * last) per `everyMs` of time: what a chart needs of a long stretch without every snapshot of
 * it. Memory stays within `limit` lines however long the stretch.
 */
export async function thinnedTail(records: AsyncIterable<RecordLine>, names: ReadonlySet<JournalRecord['name']>, everyMs: number, limit: number): Promise<RecordLine[]> {
  let kept: (RecordLine | null)[] = [];
  let lastSnapshot: { index: number; bucket: number } | null = null;
  for await (const entry of records) {
    if (!names.has(entry.record.name)) continue;
    if (entry.record.name === 'snapshot' && everyMs > 0) {
      const bucket = Math.floor(entry.record.at / everyMs);
      // A later snapshot of the same bucket replaces the one kept for it.
      if (lastSnapshot !== null && lastSnapshot.bucket === bucket) kept[lastSnapshot.index] = null;
      lastSnapshot = { index: kept.length, bucket };
    }
    kept.push(entry);
    // Compacted only now and then, so each record costs O(1) on average.
    if (kept.length >= 2 * limit + 1024) {
      kept = kept.filter((e) => e !== null).slice(-limit);
      // The snapshot kept last is the last snapshot left, if it is left at all.
      const index = kept.findLastIndex((e) => e?.record.name === 'snapshot');
      lastSnapshot = lastSnapshot !== null && index >= 0 ? { ...lastSnapshot, index } : null;
    }
  }
  return kept.filter((e): e is RecordLine => e !== null).slice(-limit);
}

/** A JSON array of the lines' records, written from the lines as read. */
export function jsonArrayOf(lines: readonly RecordLine[]): string {
  return `[${lines.map((l) => l.line).join(',')}]`;
}
