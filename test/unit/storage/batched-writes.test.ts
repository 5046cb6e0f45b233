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
  it('gathers pieces into writes of the batch size, in order, with at most inFlight under way', async () => {
    const written: number[][] = [];
    let running = 0;
    let mostAtOnce = 0;
    const releases: (() => void)[] = [];
    const writes = new BatchedWrites(
      async (pieces) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        written.push(pieces.map((p) => p[0] as number));
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
      },
      30,
      2,
    );
    const pieces = numberedPieces(10, 10);
    // The first full batch goes out at once and the reader goes on; the second goes out beside it,
    // and adding to it waits until one of the two finished.
    for (const piece of pieces.slice(0, 3)) await writes.add(piece);
    expect(written).toEqual([[0, 1, 2]]);
    await writes.add(pieces[3] as Buffer);
    await writes.add(pieces[4] as Buffer);
    let sixthTaken = false;
    const sixth = writes.add(pieces[5] as Buffer).then(() => (sixthTaken = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(sixthTaken).toBe(false);
    // The second write finishing first frees a place as well as the first would.
    releases.splice(1, 1)[0]?.();
    await sixth;
    await writes.add(pieces[6] as Buffer);
    await writes.add(pieces[7] as Buffer);
    const ninth = writes.add(pieces[8] as Buffer);
    expect(written).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    releases.shift()?.();
    await ninth;
    await writes.add(pieces[9] as Buffer);
    let flushedAll = false;
    const flushed = writes.flush().then(() => (flushedAll = true));
    for (let i = 0; i < 2; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(flushedAll).toBe(false);
      releases.shift()?.();
    }
    await new Promise((resolve) => setImmediate(resolve));
    releases.shift()?.();
    await flushed;
    expect(written).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect(mostAtOnce).toBe(2);
  });

  it('puts every piece in its place in a real file when writes under way finish out of order', async () => {
    const file = path.join(await tempDir(), 'pieces.bin');
    const handle = await fs.open(file, 'w');
    let position = 0;
    // Each batch claims its offset as it starts (as AtomicWriter.writeAll does), then the
    // earlier batches are held back so later ones reach the disk first.
    const writes = new BatchedWrites(
      async (batch) => {
        const at = position;
        position += batch.reduce((sum, p) => sum + p.length, 0);
        await new Promise((resolve) => setTimeout(resolve, (at / 700) % 3));
        await writevFully(handle, batch, at);
      },
      700,
      4,
    );
    const pieces = numberedPieces(500, 33);
    try {
      for (const piece of pieces) await writes.add(piece);
      await writes.flush();
    } finally {
      await handle.close();
    }
    expect(await fs.readFile(file)).toEqual(Buffer.concat(pieces));
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
