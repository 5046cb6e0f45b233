import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchedWrites } from '../../../node-runtime/storage/batched-writes';
import { writevFully } from '../../../node-runtime/storage/durable-fs';
import { useTempDirs } from './temp-dir';

const tempDir = useTempDirs();

/** Pieces of distinct bytes, so a piece written out of place or twice shows in the file. */
function numberedPieces(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.alloc(size, i % 251));
}

describe('BatchedWrites', () => {
  it('gathers pieces into writes of the batch size, in order, one write at a time', async () => {
    const written: number[][] = [];
    let running = 0;
    let mostAtOnce = 0;
    const releases: (() => void)[] = [];
    const writes = new BatchedWrites(async (pieces) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      written.push(pieces.map((p) => p[0] as number));
      await new Promise<void>((resolve) => releases.push(resolve));
      running -= 1;
    }, 30);
    const pieces = numberedPieces(7, 10);
    // The first full batch goes out at once; the second waits for it (two batches held at most).
    await writes.add(pieces[0] as Buffer);
    await writes.add(pieces[1] as Buffer);
    await writes.add(pieces[2] as Buffer);
    expect(written).toEqual([[0, 1, 2]]);
    await writes.add(pieces[3] as Buffer);
    await writes.add(pieces[4] as Buffer);
    let sixthTaken = false;
    const sixth = writes.add(pieces[5] as Buffer).then(() => (sixthTaken = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sixthTaken).toBe(false);
    releases.shift()?.();
    await sixth;
    expect(written).toEqual([[0, 1, 2], [3, 4, 5]]);
    await writes.add(pieces[6] as Buffer);
    const flushed = writes.flush();
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    releases.shift()?.();
    await flushed;
    expect(written).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(mostAtOnce).toBe(1);
  });

  it('throws a failed write at the next add or flush', async () => {
    const failing = new BatchedWrites(() => Promise.reject(new Error('disk gone')), 10);
    await failing.add(Buffer.alloc(10));
    await expect(failing.add(Buffer.alloc(10))).rejects.toThrow('disk gone');
    const failingAtEnd = new BatchedWrites(() => Promise.reject(new Error('disk gone')), 10);
    await failingAtEnd.add(Buffer.alloc(4));
    await expect(failingAtEnd.flush()).rejects.toThrow('disk gone');
    await failingAtEnd.settle();
  });
});

describe('writevFully', () => {
  it('writes every piece in order, also more pieces than one vectored write takes', async () => {
    const file = path.join(await tempDir(), 'many.bin');
    // 3,000 pieces is more than IOV_MAX (1,024): the system writes part, the rest goes again.
    const pieces = numberedPieces(3_000, 7);
    const handle = await fs.open(file, 'w');
    try {
      await writevFully(handle, [Buffer.from('head'), ...pieces], 0);
      await writevFully(handle, [], 4 + 7 * 3_000);
    } finally {
      await handle.close();
    }
    expect(await fs.readFile(file)).toEqual(Buffer.concat([Buffer.from('head'), ...pieces]));
  });
});
