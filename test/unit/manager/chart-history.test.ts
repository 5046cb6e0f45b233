// The charts' hour of history on a real disk, with the clock in the test's hands: a snapshot a
// second for the last 15 minutes, one per 5 s before that, nothing older than an hour, pruned to
// what the charts read, small on disk, and the same after a reopen (a manager restart).
import { readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChartRecord, JournalRecord } from '../../../node-runtime/common/manager-api';
import { ChartHistory, type ChartHistoryOptions } from '../../../electron/manager/cluster-view/chart-history';
import { makeTempDir } from '../../fixtures/manager/helpers';
import { healthyCluster } from '../renderer/fixtures';

const MINUTE = 60_000;
const START = Date.UTC(2026, 11, 6, 9, 0, 0);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0)) await clean();
});

async function tempDir(): Promise<string> {
  const temp = await makeTempDir('dfs-chart-history-');
  cleanups.push(temp.remove);
  return path.join(temp.dir, 'chart-history');
}

const snapshotAt = (at: number): JournalRecord => ({ at, name: 'snapshot', data: healthyCluster({ updatedAt: at }) });
const leaderChangeAt = (at: number, term: number): JournalRecord => ({ at, name: 'leaderChange', data: { time: at, term, leaderId: 1 + (term % 3) } });

/** A history on a clock the test moves. */
async function openAt(dir: string, clock: { now: number }, options: ChartHistoryOptions = {}): Promise<ChartHistory> {
  const history = await ChartHistory.open(dir, { now: () => clock.now, ...options });
  cleanups.push(() => history.close());
  return history;
}

async function readAll(history: ChartHistory, since = 0, until = Number.MAX_SAFE_INTEGER): Promise<ChartRecord[]> {
  const found: ChartRecord[] = [];
  for await (const { record } of history.records(since, until)) found.push(record as ChartRecord);
  return found;
}

/** Publishes ten snapshots a second (an idle cluster's rate) from `from` to `to`, flushing each minute. */
async function publish(history: ChartHistory, clock: { now: number }, from: number, to: number): Promise<void> {
  for (let at = from; at < to; at += 100) {
    clock.now = at;
    history.record(snapshotAt(at));
    if (at % MINUTE === 0) await history.flush();
  }
  await history.flush();
}

const gaps = (records: readonly ChartRecord[]) => records.slice(1).map((r, i) => r.at - (records[i] as ChartRecord).at);

describe('ChartHistory', () => {
  it('keeps a snapshot a second and every leader change, pruned to what the charts read', async () => {
    const dir = await tempDir();
    const clock = { now: START };
    const history = await openAt(dir, clock);
    for (let at = START; at < START + 3_000; at += 100) history.record(snapshotAt(at));
    history.record(leaderChangeAt(START + 2_950, 5));
    history.record({ at: START + 2_960, name: 'nodeEvent', data: { node: 1, type: 'commit', term: 5, commitIndex: 9, time: START } } as unknown as JournalRecord);
    const records = await readAll(history);
    expect(records.map((r) => `${r.name}@${r.at - START}`)).toEqual(['snapshot@0', 'snapshot@1000', 'snapshot@2000', 'leaderChange@2950']);
    const snapshot = records[0]?.name === 'snapshot' ? records[0].data : null;
    const full = healthyCluster({ updatedAt: START });
    // What the charts sample is kept as it was …
    expect(snapshot?.nodes.map((n) => [n.id, n.reachable, n.report?.status.commitIndex, n.report?.status.peers, n.report?.stats])).toEqual(
      full.nodes.map((n) => [n.id, n.reachable, n.report?.status.commitIndex, n.report?.status.peers, n.report?.stats]),
    );
    expect(snapshot?.leaderId).toBe(1);
    // … and what they do not read is dropped.
    expect(snapshot?.nodes.every((n) => n.report?.recovery === null && n.report.config === null && n.report.status.logTerms.length === 0)).toBe(true);
    expect(JSON.stringify(snapshot).length).toBeLessThan(JSON.stringify(full).length / 2);
  });

  it('keeps every change of leader or health within a second, so an election that settles at once and goes quiet shows its end', async () => {
    const dir = await tempDir();
    const clock = { now: START };
    const history = await openAt(dir, clock);
    const at = (ms: number, leaderId: number | null, health: 'healthy' | 'degraded' | 'electing'): JournalRecord => ({ at: START + ms, name: 'snapshot', data: healthyCluster({ updatedAt: START + ms, leaderId, health }) });
    // The leader is killed at 0 and the cluster then goes quiet: nothing after 500 ms.
    for (const record of [at(0, 3, 'healthy'), at(20, 3, 'degraded'), at(30, null, 'electing'), at(120, null, 'electing'), at(130, 1, 'degraded'), at(150, 1, 'degraded'), at(500, 1, 'healthy')]) history.record(record);
    const kept = (await readAll(history)).map((r) => (r.name === 'snapshot' ? `${r.at - START}:${r.data.leaderId}:${r.data.health}` : r.name));
    expect(kept).toEqual(['0:3:healthy', '20:3:degraded', '30:null:electing', '130:1:degraded', '500:1:healthy']);
  });

  it('holds an hour: a snapshot a second for 15 minutes, one per 5 s before, nothing older, in under 6 MiB', async () => {
    const dir = await tempDir();
    const clock = { now: START };
    const history = await openAt(dir, clock);
    const end = START + 75 * MINUTE;
    await publish(history, clock, START, end);
    const records = await readAll(history);
    const recent = records.filter((r) => r.at >= end - 14 * MINUTE);
    const older = records.filter((r) => r.at < end - 16 * MINUTE);
    expect(records[0]?.at).toBeGreaterThanOrEqual(end - 61 * MINUTE);
    expect(records[0]?.at).toBeLessThanOrEqual(end - 59 * MINUTE);
    expect(new Set(gaps(recent))).toEqual(new Set([1_000]));
    expect(new Set(gaps(older))).toEqual(new Set([5_000]));
    const bytes = (await Promise.all((await readdir(dir)).map(async (f) => (await stat(path.join(dir, f))).size))).reduce((a, b) => a + b, 0);
    // The fixture's three nodes take ~3 KB a snapshot here: ~4.4 MB an hour, where the journal keeps
    // ten full snapshots (~10 KB) a second, ~340 MB an hour.
    expect(bytes).toBeLessThan(6 * 1024 * 1024);
    expect(records.length).toBeLessThan(15 * 60 + 45 * 12 + 120);
  });

  it('reads only the asked range, and is the same after a reopen (a manager restart)', async () => {
    const dir = await tempDir();
    const clock = { now: START };
    const first = await openAt(dir, clock);
    await publish(first, clock, START, START + 20 * MINUTE);
    first.record(leaderChangeAt(clock.now, 7));
    await first.close();
    const before = await readAll(first);
    const second = await openAt(dir, clock);
    expect(await readAll(second)).toEqual(before);
    const range = await readAll(second, START + 2 * MINUTE, START + 3 * MINUTE);
    expect(range.map((r) => r.at)).toEqual(before.filter((r) => r.at >= START + 2 * MINUTE && r.at <= START + 3 * MINUTE).map((r) => r.at));
    expect(range.length).toBe(13);
    // Retention goes on from the clock, not from the last write: an hour later nothing is left.
    clock.now += 61 * MINUTE;
    second.record(leaderChangeAt(clock.now, 8));
    await second.flush();
    expect((await readAll(second)).map((r) => r.at)).toEqual([clock.now]);
  });

  it('reads the coarse file of a minute whose fine file a crash left behind, then deletes the fine one', async () => {
    const dir = await tempDir();
    const clock = { now: START };
    const history = await openAt(dir, clock);
    await publish(history, clock, START, START + MINUTE);
    await history.close();
    const [fine] = await readdir(dir);
    const fineFile = path.join(dir, fine as string);
    // The crash: the coarse file renamed into place (here: a copy of two lines), the fine one not yet deleted.
    const lines = (await readAll(history)).slice(0, 2).map((r) => JSON.stringify(r));
    await writeFile(`${fineFile}.tmp`, `${lines.join('\n')}\n`);
    await rename(`${fineFile}.tmp`, fineFile.replace(/\.jsonl$/, '.coarse.jsonl'));
    const reopened = await openAt(dir, clock);
    expect((await readAll(reopened)).map((r) => r.at)).toEqual([START, START + 1_000]);
    clock.now = START + 20 * MINUTE;
    const after = await openAt(dir, clock);
    expect(await readdir(dir)).toEqual([(fine as string).replace(/\.jsonl$/, '.coarse.jsonl')]);
    expect(await readAll(after)).toHaveLength(2);
  });

  it('skips a line torn by a crash', async () => {
    const dir = await tempDir();
    const clock = { now: START };
    const history = await openAt(dir, clock);
    history.record(snapshotAt(START));
    await history.close();
    const [file] = await readdir(dir);
    await writeFile(path.join(dir, file as string), '{"at":1,"name":"snaps', { flag: 'a' });
    clock.now += MINUTE;
    const reopened = await openAt(dir, clock);
    reopened.record(snapshotAt(clock.now));
    expect((await readAll(reopened)).map((r) => r.at)).toEqual([START, clock.now]);
  });
});
