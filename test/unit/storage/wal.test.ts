import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WalClosedError, WalCorruptionError, WalFailedError, WalUsageError } from '../../../node-runtime/storage/errors';
import { Wal } from '../../../node-runtime/storage/wal/wal';
import { useTempDirs } from './temp-dir';
import { entries, snapshotAt, summary } from './wal-fixtures';

const tempDir = useTempDirs();

function flip(buf: Buffer, offset: number, mask: number): void {
  buf.writeUInt8(buf.readUInt8(offset) ^ mask, offset);
}

async function walFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
}

describe('Wal: save and replay', () => {
  it('opens empty, then replays entries and the latest hard state', async () => {
    const dir = await tempDir();
    const first = await Wal.open(dir);
    expect(first.state).toEqual({ hardState: { term: 0, vote: 0, commit: 0 }, entries: [] });
    await first.wal.save({ entries: entries(1, 3, 1), hardState: { term: 1, vote: 2, commit: 1 }, sync: true });
    await first.wal.save({ entries: entries(4, 5, 2), hardState: { term: 2, vote: 3, commit: 4 }, sync: true });
    await first.wal.close();

    const { wal, state } = await Wal.open(dir);
    expect(state.hardState).toEqual({ term: 2, vote: 3, commit: 4 });
    expect(summary(state.entries)).toEqual(['1/1/e1t1', '2/1/e2t1', '3/1/e3t1', '4/2/e4t2', '5/2/e5t2']);
    expect(state.snapshotMeta).toBeUndefined();
    await wal.close();
  });

  it('stores entry data as raw bytes, including empty data and conf changes', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    const binary = new Uint8Array(256).map((_, i) => i);
    await wal.save({
      entries: [
        { index: 1, term: 1, kind: 'normal', data: new Uint8Array() },
        { index: 2, term: 1, kind: 'confChange', data: binary },
      ],
      sync: true,
    });
    await wal.close();
    const [file] = await walFiles(dir);
    const size = (await fs.stat(path.join(dir, file ?? ''))).size;
    // Header (~70 bytes) + 2 entry frames of 26 bytes + data: no base64, no JSON.
    expect(size).toBeLessThan(70 + 2 * 26 + 256 + 40);

    const { wal: again, state } = await Wal.open(dir);
    expect(state.entries.map((e) => e.kind)).toEqual(['normal', 'confChange']);
    expect(state.entries[0]?.data).toEqual(new Uint8Array());
    expect(state.entries[1]?.data).toEqual(binary);
    await again.close();
  });

  it('replaces the suffix when entries start at or below the last index (follower conflict)', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir, { segmentBytes: 512 });
    await wal.save({ entries: entries(1, 10, 1), sync: true });
    await wal.save({ entries: entries(6, 8, 2), sync: true });
    await wal.save({ entries: entries(9, 9, 2), sync: true });
    await wal.save({ entries: entries(4, 4, 3), hardState: { term: 3, vote: 1, commit: 3 }, sync: true });
    expect(wal.lastIndex).toBe(4);
    await wal.close();
    expect((await walFiles(dir)).length).toBeGreaterThan(1);

    const { wal: again, state } = await Wal.open(dir, { segmentBytes: 512 });
    expect(summary(state.entries)).toEqual(['1/1/e1t1', '2/1/e2t1', '3/1/e3t1', '4/3/e4t3']);
    await again.save({ entries: entries(5, 6, 3), sync: true });
    await again.close();
    const { wal: third, state: third_ } = await Wal.open(dir);
    expect(summary(third_.entries).map((s) => s.split('/').slice(0, 2).join('/'))).toEqual(['1/1', '2/1', '3/1', '4/3', '5/3', '6/3']);
    await third.close();
  });

  it('rejects saves that would break the log, without writing anything', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    await wal.save({ entries: entries(1, 5, 2), sync: true });
    await expect(wal.save({ entries: entries(7, 8, 2), sync: true })).rejects.toBeInstanceOf(WalUsageError);
    await expect(wal.save({ entries: entries(6, 6, 1), sync: true })).rejects.toThrow(/lower than the preceding term/);
    await expect(wal.save({ entries: [...entries(6, 6, 2), ...entries(8, 8, 2)], sync: true })).rejects.toBeInstanceOf(WalUsageError);
    await wal.markSnapshot(snapshotAt(3, 2));
    await expect(wal.save({ entries: entries(3, 4, 3), sync: true })).rejects.toThrow(/reach into the snapshot/);
    await wal.save({ entries: entries(6, 6, 2), sync: true });
    await wal.close();
    await expect(wal.save({ entries: entries(7, 7, 2), sync: true })).rejects.toBeInstanceOf(WalClosedError);

    const { wal: again, state } = await Wal.open(dir);
    expect(state.snapshotMeta?.index).toBe(3);
    expect(state.entries.map((e) => e.index)).toEqual([4, 5, 6]);
    await again.close();
  });

  it('a snapshot beyond the log (installed from the leader) discards the whole log', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    await wal.save({ entries: entries(1, 5, 1), sync: true });
    await wal.save({ snapshot: snapshotAt(20, 3), entries: entries(21, 22, 3), hardState: { term: 3, vote: 0, commit: 20 }, sync: true });
    await wal.close();
    const { wal: again, state } = await Wal.open(dir);
    expect(state.snapshotMeta).toEqual(snapshotAt(20, 3));
    expect(state.entries.map((e) => e.index)).toEqual([21, 22]);
    expect(state.hardState.commit).toBe(20);
    await again.close();
  });

  it('a snapshot whose term conflicts with the held entry discards the whole log', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    await wal.save({ entries: entries(1, 5, 1), sync: true });
    await wal.markSnapshot(snapshotAt(4, 2));
    expect(wal.lastIndex).toBe(4);
    await wal.close();
    const { wal: again, state } = await Wal.open(dir);
    expect(state.entries).toEqual([]);
    await again.close();
  });
});

describe('Wal: group commit', () => {
  it('200 concurrent saves share far fewer fsyncs and are all durable after reopen', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    const saves = Array.from({ length: 200 }, (_, i) =>
      wal.save({ entries: entries(i + 1, i + 1, 1), hardState: { term: 1, vote: 1, commit: i }, sync: true }),
    );
    await Promise.all(saves);
    const stats = wal.stats();
    expect(stats.saves).toBe(200);
    expect(stats.fsyncs).toBeLessThanOrEqual(2);
    console.info(`group commit: ${stats.saves} saves, ${stats.fsyncs} fsyncs, ${stats.batches} write batches`);
    await wal.close();

    const { wal: again, state } = await Wal.open(dir);
    expect(state.entries.map((e) => e.index)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(state.hardState.commit).toBe(199);
    await again.close();
  });

  it('saves issued while an fsync is in flight ride on the next one', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    const order: number[] = [];
    const first = wal.save({ entries: entries(1, 1, 1), sync: true }).then(() => order.push(1));
    // The WAL takes its batch one macrotask after the save; after ours, the first batch is
    // being written and cannot complete before the saves below are queued behind it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(wal.stats().fsyncs).toBe(0);
    const rest = Array.from({ length: 50 }, (_, i) => wal.save({ entries: entries(i + 2, i + 2, 1), sync: true }).then(() => order.push(i + 2)));
    await Promise.all([first, ...rest]);
    expect(order).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    expect(wal.stats()).toMatchObject({ saves: 51, fsyncs: 2, batches: 2 });
    await wal.close();
  });

  it('unsynced saves are written in order and made durable by the next sync', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    await wal.save({ entries: entries(1, 2, 1), sync: false });
    expect(wal.stats().fsyncs).toBe(0);
    await wal.save({ hardState: { term: 1, vote: 1, commit: 2 }, sync: true });
    expect(wal.stats().fsyncs).toBe(1);
    await wal.close();
    const { wal: again, state } = await Wal.open(dir);
    expect(state.entries.map((e) => e.index)).toEqual([1, 2]);
    await again.close();
  });
});

describe('Wal: write failures', () => {
  it('stops for good after a failed write instead of retrying, and reopens with the acknowledged log', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir);
    await wal.save({ entries: entries(1, 3, 1), sync: true });
    // Pull the file out from under the WAL: the next write fails like a dying disk would.
    await (wal as unknown as { segment: { close(): Promise<void> } }).segment.close();
    const failed = wal.save({ entries: entries(4, 4, 1), sync: true });
    const queued = wal.save({ entries: entries(5, 5, 1), sync: true });
    await expect(failed).rejects.toBeInstanceOf(WalFailedError);
    await expect(queued).rejects.toBeInstanceOf(WalFailedError);
    await expect(wal.save({ hardState: { term: 1, vote: 1, commit: 3 }, sync: true })).rejects.toBeInstanceOf(WalFailedError);
    await expect(wal.compact(0)).rejects.toBeInstanceOf(WalFailedError);
    await wal.close();

    const { wal: again, state } = await Wal.open(dir);
    expect(state.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    await again.close();
  });
});

describe('Wal: segments and compaction', () => {
  it('rolls segments and deletes those wholly below a durable snapshot; state survives', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir, { segmentBytes: 1024 });
    for (let i = 1; i <= 200; i += 10) {
      await wal.save({ entries: entries(i, i + 9, 1), hardState: { term: 1, vote: 1, commit: i + 9 }, sync: true });
    }
    const before = (await walFiles(dir)).length;
    expect(before).toBeGreaterThan(5);
    await expect(wal.compact(150)).rejects.toBeInstanceOf(WalUsageError);

    await wal.markSnapshot(snapshotAt(150, 1));
    const removed = await wal.compact(150);
    expect(removed).toBeGreaterThan(0);
    expect((await walFiles(dir)).length).toBe(before - removed);
    await wal.close();

    const { wal: again, state } = await Wal.open(dir, { segmentBytes: 1024 });
    expect(state.snapshotMeta).toEqual(snapshotAt(150, 1));
    expect(state.entries.map((e) => e.index)).toEqual(Array.from({ length: 50 }, (_, i) => 151 + i));
    expect(state.hardState).toEqual({ term: 1, vote: 1, commit: 200 });
    await again.close();
  });

  it('keeps the hard state and snapshot marker when the segments that wrote them are deleted', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir, { segmentBytes: 600 });
    await wal.save({ entries: entries(1, 10, 1), hardState: { term: 4, vote: 2, commit: 10 }, sync: true });
    await wal.markSnapshot(snapshotAt(10, 1));
    for (let i = 11; i <= 80; i += 5) await wal.save({ entries: entries(i, i + 4, 1), sync: true });
    await wal.markSnapshot(snapshotAt(60, 1));
    await wal.compact(60);
    await wal.close();
    const names = await walFiles(dir);
    expect(names[0]?.startsWith('0000000000000001-')).toBe(false);

    const { wal: again, state } = await Wal.open(dir);
    expect(state.hardState).toEqual({ term: 4, vote: 2, commit: 10 });
    expect(state.snapshotMeta?.index).toBe(60);
    expect(state.entries[0]?.index).toBe(61);
    expect(state.entries.at(-1)?.index).toBe(80);
    await again.close();
  });

  it('replays a truncation below the start of the oldest kept segment', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir, { segmentBytes: 400 });
    await wal.save({ entries: entries(1, 12, 1), sync: true });
    await wal.save({ entries: entries(13, 24, 1), sync: true }); // rolls: the new segment starts after 12
    await wal.save({ entries: entries(10, 30, 2), sync: true }); // conflict below that start
    await wal.markSnapshot(snapshotAt(25, 2));
    await wal.save({ entries: entries(31, 31, 2), sync: true });
    expect(await wal.compact(25)).toBeGreaterThan(0);
    await wal.close();

    const { wal: again, state } = await Wal.open(dir);
    expect(summary(state.entries)).toEqual(['26/2/e26t2', '27/2/e27t2', '28/2/e28t2', '29/2/e29t2', '30/2/e30t2', '31/2/e31t2']);
    await again.close();
  });

  it('refuses when a segment in the middle is missing', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open(dir, { segmentBytes: 300 });
    for (let i = 1; i <= 40; i += 4) await wal.save({ entries: entries(i, i + 3, 1), sync: true });
    await wal.close();
    const names = await walFiles(dir);
    expect(names.length).toBeGreaterThan(3);
    await fs.unlink(path.join(dir, names[1] ?? ''));
    await expect(Wal.open(dir)).rejects.toThrow(/segment 2 is missing/);
  });
});

describe('Wal: crash safety', () => {
  async function walWithTenEntries(dir: string, segmentBytes?: number): Promise<string> {
    const { wal } = await Wal.open(dir, segmentBytes === undefined ? {} : { segmentBytes });
    for (let i = 1; i <= 10; i++) await wal.save({ entries: entries(i, i, 1), hardState: { term: 1, vote: 1, commit: i - 1 }, sync: true });
    await wal.close();
    const last = (await walFiles(dir)).at(-1);
    return path.join(dir, last ?? '');
  }

  it('cuts a torn last record (a few bytes short) and opens', async () => {
    const dir = await tempDir();
    const file = await walWithTenEntries(dir);
    const size = (await fs.stat(file)).size;
    await fs.truncate(file, size - 3);

    const { wal, state, repairedTail } = await Wal.open(dir);
    expect(repairedTail).toMatchObject({ file, reason: expect.stringMatching(/runs past the end/) });
    expect(state.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(state.hardState.commit).toBe(8); // the torn record was the last hard state
    expect((await fs.stat(file)).size).toBe(repairedTail?.offset);
    await wal.save({ entries: entries(11, 11, 1), sync: true });
    await wal.close();
    const { wal: again, state: after } = await Wal.open(dir);
    expect(after.entries.at(-1)?.index).toBe(11);
    await again.close();
  });

  it('cuts a torn frame header and a zero-filled tail', async () => {
    const dir = await tempDir();
    const file = await walWithTenEntries(dir);
    await fs.appendFile(file, Buffer.from([7, 0, 0]));
    let opened = await Wal.open(dir);
    expect(opened.repairedTail?.reason).toMatch(/partial frame header/);
    await opened.wal.close();
    await fs.appendFile(file, Buffer.alloc(4096));
    opened = await Wal.open(dir);
    expect(opened.repairedTail?.bytesDropped).toBe(4096);
    expect(opened.state.entries).toHaveLength(10);
    await opened.wal.close();
  });

  it('cuts appended garbage', async () => {
    const dir = await tempDir();
    const file = await walWithTenEntries(dir);
    // 2 MiB of pseudo-random bytes: also keeps the forward scan for intact records honest
    // (linear, no CRC over every plausible-looking length).
    const garbage = Buffer.alloc(2 * 1024 * 1024);
    let x = 12345;
    for (let i = 0; i < garbage.length; i += 4) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      garbage.writeUInt32LE(x, i);
    }
    await fs.appendFile(file, garbage);
    const { wal, state, repairedTail } = await Wal.open(dir);
    expect(repairedTail?.bytesDropped).toBe(garbage.length);
    expect(state.entries).toHaveLength(10);
    await wal.close();
  });

  it('cuts a last record with a bad CRC', async () => {
    const dir = await tempDir();
    const file = await walWithTenEntries(dir);
    const buf = await fs.readFile(file);
    flip(buf, buf.length - 2, 0xff);
    await fs.writeFile(file, buf);
    const { wal, repairedTail } = await Wal.open(dir);
    expect(repairedTail?.reason).toBe('CRC mismatch');
    await wal.close();
  });

  it('refuses to open when a byte in the middle of the log is flipped', async () => {
    const dir = await tempDir();
    const file = await walWithTenEntries(dir);
    const buf = await fs.readFile(file);
    const offset = Math.floor(buf.length / 2);
    flip(buf, offset, 0x01);
    await fs.writeFile(file, buf);
    const err = await Wal.open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptionError);
    const corruption = err as WalCorruptionError;
    expect(corruption.file).toBe(file);
    expect(corruption.offset).toBeLessThanOrEqual(offset);
    expect(corruption.offset).toBeGreaterThan(offset - 80);
    expect(corruption.message).toMatch(/intact record follows/);
    expect((await fs.stat(file)).size).toBe(buf.length); // nothing was cut
  });

  it('refuses when a length field in the middle is damaged', async () => {
    const dir = await tempDir();
    const file = await walWithTenEntries(dir);
    const buf = await fs.readFile(file);
    // The header segment holds 2 frames; find the 5th frame by walking lengths.
    let offset = 0;
    for (let i = 0; i < 5; i++) offset += 8 + buf.readUInt32LE(offset + 4);
    buf.writeUInt32LE(buf.readUInt32LE(offset + 4) + 3, offset + 4);
    await fs.writeFile(file, buf);
    await expect(Wal.open(dir)).rejects.toMatchObject({ name: 'WalCorruptionError', file, offset });
  });

  it('refuses damage in a sealed (non-last) segment, even at its very end', async () => {
    const dir = await tempDir();
    await walWithTenEntries(dir, 200);
    const names = await walFiles(dir);
    expect(names.length).toBeGreaterThan(2);
    const sealed = path.join(dir, names[0] ?? '');
    const buf = await fs.readFile(sealed);
    flip(buf, buf.length - 1, 0x10);
    await fs.writeFile(sealed, buf);
    await expect(Wal.open(dir)).rejects.toMatchObject({ name: 'WalCorruptionError', file: sealed });
  });

  it('discards a segment whose creation was interrupted before its header was complete', async () => {
    const dir = await tempDir();
    const sealed = await walWithTenEntries(dir, 200);
    // The crash hit right after a roll: the next segment exists with a partial header only.
    const header = (await fs.readFile(sealed)).subarray(0, 10);
    const seq = parseInt(path.basename(sealed).slice(0, 16), 16) + 1;
    const torn = path.join(dir, `${seq.toString(16).padStart(16, '0')}-${(11).toString(16).padStart(16, '0')}.wal`);
    await fs.writeFile(torn, header);

    const reopened = await Wal.open(dir, { segmentBytes: 200 });
    expect(reopened.state.entries.at(-1)?.index).toBe(10);
    await reopened.wal.save({ entries: entries(11, 11, 1), sync: true });
    await reopened.wal.close();
    const final = await Wal.open(dir);
    expect(final.state.entries.at(-1)?.index).toBe(11);
    expect(final.repairedTail).toBeUndefined();
    await final.wal.close();
  });
});
