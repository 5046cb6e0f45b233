// The manager's journal on a real disk: records read back by time range, bounded by rotation,
// continued after a reopen, and a line torn by a crash skipped; the streamed, bounded reads.
import { appendFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../../node-runtime/common/manager-api';
import { EventJournal } from '../../../electron/manager/cluster-view/event-journal';
import { jsonArrayOf, thinnedTail, type RecordLine } from '../../../electron/manager/cluster-view/journal-lines';
import { makeTempDir } from '../../fixtures/manager/helpers';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0)) await clean();
});

async function tempJournalDir(): Promise<string> {
  const temp = await makeTempDir('dfs-journal-');
  cleanups.push(temp.remove);
  return path.join(temp.dir, 'journal');
}

const leaderChange = (at: number, term: number): JournalRecord => ({ at, name: 'leaderChange', data: { time: at, term, leaderId: 1 + (term % 3) } });

describe('EventJournal', () => {
  it('reads back what was appended, by time range and newest-first limit, oldest first', async () => {
    const dir = await tempJournalDir();
    const journal = await EventJournal.open(dir);
    for (let i = 1; i <= 10; i += 1) journal.append(leaderChange(1_000 * i, i));
    expect((await journal.read(3_000, 6_000, 100)).map((r) => r.at)).toEqual([3_000, 4_000, 5_000, 6_000]);
    expect((await journal.read(0, 100_000, 2)).map((r) => r.at)).toEqual([9_000, 10_000]);
    await journal.close();
  });

  it('stays bounded: files rotate past maxFileBytes and the oldest go beyond maxFiles', async () => {
    const dir = await tempJournalDir();
    const journal = await EventJournal.open(dir, { maxFileBytes: 200, maxFiles: 3 });
    for (let i = 1; i <= 40; i += 1) {
      journal.append(leaderChange(1_000 * i, i));
      await journal.flush();
    }
    const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl'));
    expect(files).toHaveLength(3);
    const kept = await journal.read(0, Number.MAX_SAFE_INTEGER, 1_000);
    expect(kept.at(-1)?.at).toBe(40_000);
    expect(kept[0]?.at).toBeGreaterThan(1_000);
    // What is kept is a contiguous tail of the history.
    expect(kept.map((r) => r.at)).toEqual(kept.map((_, i) => (kept[0]?.at ?? 0) + 1_000 * i));
  });

  it('continues after a reopen and skips a line torn by a crash', async () => {
    const dir = await tempJournalDir();
    const first = await EventJournal.open(dir);
    first.append(leaderChange(1_000, 1));
    await first.close();
    const [file] = await readdir(dir);
    await appendFile(path.join(dir, file as string), '{"at":2000,"name":"leaderCh');
    const second = await EventJournal.open(dir);
    second.append(leaderChange(3_000, 3));
    await second.close();
    expect((await second.read(0, 10_000, 10)).map((r) => r.at)).toEqual([1_000, 3_000]);
  });
});

describe('thinnedTail', () => {
  const snapshotAt = (at: number) => ({ at, name: 'snapshot', data: { updatedAt: at } }) as unknown as JournalRecord;
  async function* linesOf(records: readonly JournalRecord[]): AsyncGenerator<RecordLine> {
    for (const record of records) yield { record, line: JSON.stringify(record) };
  }
  const thinned = async (records: readonly JournalRecord[], names: JournalRecord['name'][], everyMs: number, limit = 1_000) =>
    (await thinnedTail(linesOf(records), new Set(names), everyMs, limit)).map((r) => r.record.at);

  it('keeps the last snapshot of each interval, every other record of the asked kinds, in order', async () => {
    const records = [snapshotAt(100), snapshotAt(900), leaderChange(950, 2), snapshotAt(1_100), snapshotAt(2_500), snapshotAt(2_600)];
    expect(await thinned(records, ['snapshot', 'leaderChange'], 1_000)).toEqual([900, 950, 1_100, 2_600]);
    expect(await thinned(records, ['leaderChange'], 1_000)).toEqual([950]);
    expect(await thinned(records, ['snapshot'], 0)).toHaveLength(5);
  });

  it('returns the newest `limit` of a stretch far longer than it holds, thinned the same way', async () => {
    const records = Array.from({ length: 50_000 }, (_, i) => (i % 7 === 0 ? leaderChange(i * 100, i) : snapshotAt(i * 100)));
    const limit = 300;
    const expected = (await thinned(records, ['snapshot', 'leaderChange'], 1_000, Number.MAX_SAFE_INTEGER)).slice(-limit);
    expect(await thinned(records, ['snapshot', 'leaderChange'], 1_000, limit)).toEqual(expected);
    expect(expected).toHaveLength(limit);
  });

  it('answers the lines as read, as one JSON array', () => {
    const lines = [leaderChange(1, 1), leaderChange(2, 2)].map((record) => ({ record, line: JSON.stringify(record) }));
    expect(JSON.parse(jsonArrayOf(lines))).toEqual(lines.map((l) => l.record));
    expect(jsonArrayOf([])).toBe('[]');
  });
});
