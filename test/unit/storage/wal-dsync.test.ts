// A synced save is one write through a descriptor opened with O_DSYNC (segment.ts appendDurably):
// O_DSYNC makes durable only the range a write covers, so the write starts where the last sync
// left off and carries the unsynced saves before it again. These tests hold the bytes to that:
// the file is the log written once, in order, whatever mix of synced and unsynced saves made it.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Wal } from '../../../node-runtime/storage/wal/wal';
import { useTempDirs } from './temp-dir';
import { entries, summary } from './wal-fixtures';

const tempDir = useTempDirs();

async function segmentBytes(dir: string): Promise<number> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.wal'));
  let total = 0;
  for (const name of names) total += (await fs.stat(path.join(dir, name))).size;
  return total;
}

/** This process's descriptors open on `file` and whether each has O_DSYNC (Linux's /proc). */
function descriptorsOn(file: string): { dsync: boolean }[] {
  const O_DSYNC = 0o10000;
  return readdirSync('/proc/self/fd')
    .filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false;
      }
    })
    .map((fd) => {
      const flags = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0';
      return { dsync: (parseInt(flags, 8) & O_DSYNC) !== 0 };
    });
}

describe('Wal: synced saves through O_DSYNC', () => {
  it('a synced save after unsynced ones writes them again in place, not twice; all replay', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    await wal.save({ entries: entries(1, 3, 1), hardState: { term: 1, vote: 1, commit: 0 }, sync: true });
    const afterFirst = await segmentBytes(dir);
    await wal.save({ entries: entries(4, 5, 1), sync: false });
    await wal.save({ entries: entries(6, 6, 1), hardState: { term: 1, vote: 1, commit: 3 }, sync: false });
    const unsynced = (await segmentBytes(dir)) - afterFirst;
    await wal.save({ entries: entries(7, 7, 1), sync: true });
    const lastSave = (await segmentBytes(dir)) - afterFirst - unsynced;
    // The same save into a log with nothing unsynced: the file grew by exactly that.
    const other = await tempDir();
    const { wal: alone } = await Wal.open(other);
    await alone.save({ entries: entries(1, 3, 1), sync: true });
    const before = await segmentBytes(other);
    await alone.save({ entries: entries(4, 4, 1), sync: true });
    expect(lastSave).toBe((await segmentBytes(other)) - before);
    await alone.close();
    expect(unsynced).toBeGreaterThan(0);
    expect(wal.stats().fsyncs).toBe(2);
    await wal.close();
    const { wal: again, state } = await Wal.open(dir);
    expect(summary(state.entries).map((e) => e.split('/')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(state.hardState).toEqual({ term: 1, vote: 1, commit: 3 });
    await again.close();
  });

  it('more unsynced bytes than it rewrites: the save writes, then syncs; all replay', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    const big = new Uint8Array(40 * 1024).fill(7);
    await wal.save({ entries: [{ index: 1, term: 1, kind: 'normal', data: big }], sync: false });
    await wal.save({ entries: [{ index: 2, term: 1, kind: 'normal', data: big }], sync: false });
    await wal.save({ entries: entries(3, 3, 1), hardState: { term: 1, vote: 0, commit: 3 }, sync: true });
    await wal.save({ hardState: { term: 1, vote: 0, commit: 3 }, sync: false });
    await wal.save({ entries: entries(4, 5, 1), sync: true });
    await wal.close();
    const { wal: again, state } = await Wal.open(dir);
    expect(state.entries.map((e) => [e.index, e.data.length])).toEqual([
      [1, big.length],
      [2, big.length],
      [3, 4],
      [4, 4],
      [5, 4],
    ]);
    expect(state.entries[1]?.data).toEqual(big);
    await again.close();
  });

  it('holds a hard state alone that need not be durable, and writes it with the next save, after a while, or at close', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    await wal.save({ entries: entries(1, 2, 1), hardState: { term: 1, vote: 1, commit: 0 }, sync: true });
    const written = await segmentBytes(dir);
    await wal.save({ hardState: { term: 1, vote: 1, commit: 1 }, sync: false });
    expect(await segmentBytes(dir)).toBe(written);
    // The next save carries it, in order before its own.
    await wal.save({ entries: entries(3, 3, 1), sync: true });
    const withNext = await segmentBytes(dir);
    expect(withNext).toBeGreaterThan(written);
    // Alone, it is written soon.
    await wal.save({ hardState: { term: 1, vote: 1, commit: 3 }, sync: false });
    const deadline = Date.now() + 5_000;
    while ((await segmentBytes(dir)) === withNext && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(await segmentBytes(dir)).toBeGreaterThan(withNext);
    await wal.save({ hardState: { term: 2, vote: 0, commit: 3 }, sync: true });
    await wal.save({ hardState: { term: 2, vote: 3, commit: 3 }, sync: false });
    await wal.close();
    const { wal: again, state } = await Wal.open(dir);
    expect(state.hardState).toEqual({ term: 2, vote: 3, commit: 3 });
    expect(state.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    await again.close();
  });

  it('holds a hard state alone saved while a batch is written too: the next save carries it, not a batch of its own', async () => {
    const dir = await tempDir();
    // A hold longer than the test: only the next save (or close) may write it.
    const { wal } = await Wal.open(dir, { holdMs: 600_000 });
    await wal.save({ entries: entries(1, 2, 1), hardState: { term: 1, vote: 1, commit: 0 }, sync: true });
    // As a leader's commit Ready does when its own log write completes a write's quorum: the new
    // commit index is saved as that write resolves, while the WAL is still in its flush loop.
    const synced = wal.save({ entries: entries(3, 3, 1), sync: true });
    const held = synced.then(() => wal.save({ hardState: { term: 1, vote: 1, commit: 3 }, sync: false }));
    await held;
    // Past the loop's next look at its queue (a process.nextTick), before the next save.
    await new Promise((resolve) => setImmediate(resolve));
    const before = wal.stats().batches;
    await wal.save({ entries: entries(4, 4, 1), sync: true });
    expect(wal.stats().batches - before).toBe(1);
    expect(wal.stats().batches).toBe(3);
    await wal.close();
    const { wal: again, state } = await Wal.open(dir);
    expect(state.hardState).toEqual({ term: 1, vote: 1, commit: 3 });
    expect(state.entries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    await again.close();
  });

  it.runIf(process.platform === 'linux')('holds the segment open once plainly and once with O_DSYNC, and reopens so', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    await wal.save({ entries: entries(1, 1, 1), sync: true });
    const [name] = (await fs.readdir(dir)).filter((n) => n.endsWith('.wal'));
    const file = path.join(dir, name as string);
    expect(descriptorsOn(file).map((d) => d.dsync).sort()).toEqual([false, true]);
    await wal.close();
    expect(descriptorsOn(file)).toEqual([]);
    const { wal: again } = await Wal.open(dir);
    expect(descriptorsOn(file).filter((d) => d.dsync)).toHaveLength(1);
    await again.save({ entries: entries(2, 2, 1), sync: true });
    await again.close();
  });
});
