// The charts' last hour on disk, small enough to keep whatever the cluster does: the journal keeps
// every snapshot in full (~10 KiB, up to ten a second while anything moves) and its 64 MiB hold
// minutes of a busy cluster, not an hour. Here a snapshot keeps only what the charts read, at
// most one a second for the last 15 minutes and one per 5 s before that (besides those where the
// leader or the health changed), so an hour stays under a few MiB and survives a manager restart
// and a page reload.
//
// Format (version 1): `<dir>/<minute start epoch ms>.jsonl` holds what was recorded in that minute,
// one journal record per line (`{ "at", "name": "snapshot" | "leaderChange", "data" }`), the
// snapshot pruned by chartSnapshot(). Once a minute is older than `fineMs` its file is rewritten
// as `<minute>.coarse.jsonl` with one snapshot per `coarseStepMs` (and every leader change);
// minutes older than `keepMs` are deleted. A line torn by a crash is skipped when read.
import { appendFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChartRecord, ClusterSnapshot, JournalRecord, ManagedNode } from '../../../node-runtime/common/manager-api';
import { recordLines, type RecordLine } from './journal-lines';

export interface ChartHistoryOptions {
  readonly now?: () => number;
  /** How long the charts' history is kept. */
  readonly keepMs?: number;
  /** How far back every second keeps a snapshot; older minutes keep one per `coarseStepMs`. */
  readonly fineMs?: number;
  readonly fineStepMs?: number;
  readonly coarseStepMs?: number;
  /** Between flushes of what was recorded (a crash loses at most this much history). */
  readonly flushIntervalMs?: number;
}

const MINUTE_MS = 60_000;
const FILE = /^(\d+)(\.coarse)?\.jsonl$/;

interface Segment {
  readonly start: number;
  readonly coarse: boolean;
  readonly file: string;
}

/** A node as the charts read it: its report without recovery, configuration or log terms. */
function chartNode(node: ManagedNode): ManagedNode {
  if (node.report === null) return node;
  const { status, stats, receivedAt } = node.report;
  return { ...node, report: { status: { ...status, logTerms: [] }, stats, recovery: null, config: null, receivedAt } };
}

/** What the charts read of a snapshot (see metrics-slice.ts): its nodes' status and stats. */
export function chartSnapshot(snapshot: ClusterSnapshot): ClusterSnapshot {
  return { ...snapshot, nodes: snapshot.nodes.map(chartNode) };
}

export class ChartHistory {
  private readonly now: () => number;
  private readonly keepMs: number;
  private readonly fineMs: number;
  private readonly fineStepMs: number;
  private readonly coarseStepMs: number;
  private readonly flushIntervalMs: number;
  private pending: { minute: number; line: string }[] = [];
  private lastFineBucket: number | null = null;
  /** What the last snapshot kept said of the cluster's leader and health. */
  private lastKept: Pick<ClusterSnapshot, 'leaderId' | 'health'> | null = null;
  private compactedMinute = 0;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly dir: string,
    options: ChartHistoryOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.keepMs = options.keepMs ?? 60 * MINUTE_MS;
    this.fineMs = options.fineMs ?? 15 * MINUTE_MS;
    this.fineStepMs = options.fineStepMs ?? 1_000;
    this.coarseStepMs = options.coarseStepMs ?? 5_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
  }

  /** Opens (or creates) the history in `dir`, applying retention to what an earlier run left. */
  static async open(dir: string, options: ChartHistoryOptions = {}): Promise<ChartHistory> {
    await mkdir(dir, { recursive: true });
    const history = new ChartHistory(dir, options);
    await history.retain();
    return history;
  }

  /**
   * Keeps what the charts use of a published record: leader changes, a snapshot a second, and any
   * snapshot whose leader or health differs from the last one kept. Without the last, an election
   * that settled within the second it began was kept only as "electing" while the cluster then went
   * quiet (no snapshot until the next change): the hour showed no leader where there was one.
   */
  record(record: JournalRecord): void {
    if (record.name === 'nodeEvent') return;
    let kept: ChartRecord = record;
    if (record.name === 'snapshot') {
      const bucket = Math.floor(record.at / this.fineStepMs);
      const { leaderId, health } = record.data;
      const changed = this.lastKept === null || this.lastKept.leaderId !== leaderId || this.lastKept.health !== health;
      if (bucket === this.lastFineBucket && !changed) return;
      this.lastFineBucket = bucket;
      this.lastKept = { leaderId, health };
      kept = { ...record, data: chartSnapshot(record.data) };
    }
    // Filed under the minute it was recorded in: the files' names order them, whatever `at` says.
    this.pending.push({ minute: minuteOf(this.now()), line: `${JSON.stringify(kept)}\n` });
    this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  /** Writes what was recorded so far and applies retention once a minute; resolves once on disk. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const lines = this.pending;
    this.pending = [];
    this.writing = this.writing
      .then(async () => {
        await this.write(lines);
        if (minuteOf(this.now()) !== this.compactedMinute) await this.retain();
      })
      .catch(() => {
        // A full or failing disk costs chart history, never the live view.
      });
    return this.writing;
  }

  /** Records with `since <= at <= until`, oldest first; only the minutes meeting the range are opened. */
  async *records(since: number, until: number): AsyncGenerator<RecordLine> {
    await this.flush();
    for (const segment of readable(await this.segments())) {
      // A record's time may trail the minute it was filed under by a little (a late leader change).
      if (segment.start > until || segment.start + 2 * MINUTE_MS < since) continue;
      for await (const entry of recordLines(segment.file)) {
        if (entry.record.at >= since && entry.record.at <= until) yield entry;
      }
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private async write(lines: readonly { minute: number; line: string }[]): Promise<void> {
    const byMinute = new Map<number, string>();
    for (const { minute, line } of lines) byMinute.set(minute, (byMinute.get(minute) ?? '') + line);
    for (const [minute, text] of byMinute) await appendFile(path.join(this.dir, `${minute}.jsonl`), text);
  }

  /** Deletes minutes older than keepMs and thins those older than fineMs to one snapshot per coarseStepMs. */
  private async retain(): Promise<void> {
    const now = this.now();
    this.compactedMinute = minuteOf(now);
    const segments = await this.segments();
    for (const segment of segments) {
      const end = segment.start + MINUTE_MS;
      if (end <= now - this.keepMs) await rm(segment.file, { force: true });
      else if (!segment.coarse && end <= now - this.fineMs) await this.coarsen(segment, segments);
    }
  }

  /** Rewrites a minute at coarse spacing; the fine file goes only once the coarse one is in place. */
  private async coarsen(segment: Segment, segments: readonly Segment[]): Promise<void> {
    const coarseFile = path.join(this.dir, `${segment.start}.coarse.jsonl`);
    // A crash between the rename and the delete left both: the coarse one is already complete.
    if (!segments.some((s) => s.coarse && s.start === segment.start)) {
      let lastBucket: number | null = null;
      let text = '';
      for await (const { record, line } of recordLines(segment.file)) {
        if (record.name === 'snapshot') {
          const bucket = Math.floor(record.at / this.coarseStepMs);
          if (bucket === lastBucket) continue;
          lastBucket = bucket;
        }
        text += `${line}\n`;
      }
      // Renamed into place whole: a crash leaves the fine file or both, never a partial coarse one.
      await writeFile(`${coarseFile}.tmp`, text);
      await rename(`${coarseFile}.tmp`, coarseFile);
    }
    await rm(segment.file, { force: true });
  }

  /** The files, oldest minute first. */
  private async segments(): Promise<Segment[]> {
    const found = (await readdir(this.dir)).flatMap((name) => {
      const match = FILE.exec(name);
      return match === null ? [] : [{ start: Number(match[1]), coarse: match[2] !== undefined, file: path.join(this.dir, name) }];
    });
    return found.sort((a, b) => a.start - b.start);
  }
}

/** The files to read: of a minute with both a fine and a coarse file (a crash mid-coarsening), the coarse one. */
function readable(segments: readonly Segment[]): Segment[] {
  const coarseMinutes = new Set(segments.filter((s) => s.coarse).map((s) => s.start));
  return segments.filter((s) => s.coarse || !coarseMinutes.has(s.start));
}

function minuteOf(time: number): number {
  return Math.floor(time / MINUTE_MS) * MINUTE_MS;
}
