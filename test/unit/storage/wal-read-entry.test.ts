// Wal.readEntry (issue #11): the in-memory log drops applied entries' data and reads it back from
// the segments, so every entry kept must read back as written — after a truncation, a segment
// roll, a reopen and a compaction — and damage must be refused, never sent on.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WalCorruptionError, WalUsageError } from '../../../node-runtime/storage/errors';
import { Wal } from '../../../node-runtime/storage/wal/wal';
import { useTempDirs } from './temp-dir';
import { entries, snapshotAt, summary } from './wal-fixtures';

const tempDir = useTempDirs();

function readBack(wal: Wal, from: number, to: number, term: number): string[] {
  return summary(Array.from({ length: to - from + 1 }, (_, i) => wal.readEntry(from + i, term)));
}

describe('Wal.readEntry', () => {
  it('reads every entry back as written, across segments, after a truncation and after a reopen', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir, { segmentBytes: 400 });
    await wal.save({ entries: entries(1, 12, 1), sync: true });
    await wal.save({ entries: entries(13, 24, 1), sync: false }); // rolls to a new segment
    await wal.save({ entries: entries(10, 30, 2, 'new'), sync: true }); // replaces 10.. from the earlier segment on
    expect(readBack(wal, 1, 9, 1)).toEqual(summary(entries(1, 9, 1)));
    expect(readBack(wal, 10, 30, 2)).toEqual(summary(entries(10, 30, 2, 'new')));
    // The term names the entry: the replaced one is not what is there now.
    expect(() => wal.readEntry(12, 1)).toThrow(WalCorruptionError);
    expect(() => wal.readEntry(31, 2)).toThrow(WalUsageError);
    await wal.close();

    const { wal: again } = await Wal.open(dir, { segmentBytes: 400 });
    expect(readBack(again, 1, 9, 1)).toEqual(summary(entries(1, 9, 1)));
    expect(readBack(again, 10, 30, 2)).toEqual(summary(entries(10, 30, 2, 'new')));
    await again.save({ entries: entries(31, 32, 2), sync: true });
    expect(readBack(again, 29, 32, 2)).toEqual(summary([...entries(29, 30, 2, 'new'), ...entries(31, 32, 2)]));
    await again.close();
  });

  it('keeps the segments one compaction deleted readable until the next one', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir, { segmentBytes: 300 });
    for (let i = 1; i <= 60; i += 5) await wal.save({ entries: entries(i, i + 4, 1), sync: true });
    await wal.markSnapshot(snapshotAt(30, 1));
    expect(await wal.compact(30)).toBeGreaterThan(0);
    // The in-memory log compacts a little later and may still ask for these.
    expect(readBack(wal, 1, 60, 1)).toEqual(summary(entries(1, 60, 1)));
    await wal.markSnapshot(snapshotAt(50, 1));
    expect(await wal.compact(50)).toBeGreaterThan(0);
    expect(() => wal.readEntry(1, 1)).toThrow(WalUsageError);
    expect(readBack(wal, 31, 60, 1)).toEqual(summary(entries(31, 60, 1)));
    await wal.close();
  });

  it('refuses an entry whose bytes were damaged on disk', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    await wal.save({ entries: entries(1, 3, 1, 'x'.repeat(100)), sync: true });
    const [name] = (await fs.readdir(dir)).filter((n) => n.endsWith('.wal'));
    const file = path.join(dir, name ?? '');
    const bytes = await fs.readFile(file);
    const at = bytes.lastIndexOf('e2t1');
    bytes[at] = 0x45; // 'e' -> 'E'
    await fs.writeFile(file, bytes);
    expect(summary([wal.readEntry(1, 1), wal.readEntry(3, 1)])).toEqual(summary([...entries(1, 1, 1, 'x'.repeat(100)), ...entries(3, 3, 1, 'x'.repeat(100))]));
    expect(() => wal.readEntry(2, 1)).toThrow(/CRC mismatch/);
    await wal.close();
  });
});
