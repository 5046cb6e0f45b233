// Garbage collection over a real chunk store and a real state machine: only chunks that no file
// references, that are older than the grace period and that no running upload brought in go.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkPins } from '../../../node-runtime/services/chunk-pins';
import { GarbageCollector } from '../../../node-runtime/services/garbage-collector';
import type { ChunkStore } from '../../../node-runtime/storage/chunk-store';
import { useTempDirs } from '../storage/temp-dir';
import { age, Catalog, openStore, storeChunks } from './fixtures';
import { FakeClock } from './fake-clock';

const tempDir = useTempDirs();
const GRACE = 60_000;

async function setup(options: { caughtUp?: boolean; pins?: ChunkPins } = {}) {
  const store = await openStore(await tempDir());
  const catalog = new Catalog();
  // Starts at the real time: chunk ages come from real file mtimes.
  const clock = new FakeClock(Date.now());
  const state = { caughtUp: options.caughtUp ?? true };
  const gc = new GarbageCollector({
    list: () => store.list(),
    stat: async (hash) => {
      try {
        const s = await fs.stat(store.pathOf(hash));
        return { mtimeMs: s.mtimeMs, size: s.size };
      } catch {
        return null;
      }
    },
    // As BackgroundServices wires it: a backup's pins count as references.
    isReferenced: (hash) => catalog.fsm.isChunkReferenced(hash) || (options.pins?.has(hash) ?? false),
    remove: (hash) => store.delete(hash),
    cleanupTemp: () => store.cleanupTemp(),
    isCaughtUp: () => state.caughtUp,
    graceMs: GRACE,
    clock,
  });
  return { store, catalog, gc, clock, state };
}

async function held(store: ChunkStore): Promise<string[]> {
  const out: string[] = [];
  for await (const hash of store.list()) out.push(hash);
  return out.sort();
}

describe('GarbageCollector', () => {
  it('keeps the chunks a running backup pinned after their file is deleted, and frees them once every pin is released', async () => {
    const pins = new ChunkPins();
    const { store, catalog, gc } = await setup({ pins });
    const [chunk] = await storeChunks([store], [100]);
    catalog.put('backed-up', [chunk!]);
    const releaseFirst = pins.pin([chunk!.hash]);
    const releaseSecond = pins.pin([chunk!.hash, chunk!.hash]);
    catalog.remove('backed-up');
    await age(store, chunk!.hash, 2 * GRACE);

    expect(await gc.collect()).toMatchObject({ removed: 0, referenced: 1 });
    releaseFirst();
    releaseFirst();
    expect(await gc.collect()).toMatchObject({ removed: 0 });
    releaseSecond();
    expect(await gc.collect()).toMatchObject({ removed: 1 });
    expect(await held(store)).toEqual([]);
  });

  it('removes old unreferenced chunks and keeps referenced and young ones', async () => {
    const { store, catalog, gc } = await setup();
    const [kept, deleted, young] = await storeChunks([store], [100, 200, 300]);
    catalog.put('kept', [kept!]);
    catalog.put('gone', [deleted!]);
    catalog.remove('gone');
    for (const c of [kept!, deleted!]) await age(store, c.hash, 2 * GRACE);

    const result = await gc.collect();
    expect(result).toMatchObject({ scanned: 3, removed: 1, bytesFreed: 200, referenced: 1, young: 1 });
    expect(await held(store)).toEqual([kept!.hash, young!.hash].sort());
  });

  it('keeps an upload\'s chunks while its chunks keep arriving, even when older than the grace period', async () => {
    const { store, gc, clock } = await setup();
    const [early, late] = await storeChunks([store], [10, 20]);
    // A chunk pushed for an upload that was already held as garbage keeps its old mtime.
    await age(store, early!.hash, 10 * GRACE);
    await age(store, late!.hash, 10 * GRACE);
    gc.noteIncoming(early!.hash);
    gc.noteIncoming(late!.hash);
    expect(await gc.collect()).toMatchObject({ removed: 0, uploading: 2 });

    // No chunk arrived for a whole grace period: the upload is over (committed or abandoned).
    await clock.advance(GRACE + 1);
    expect(await gc.collect()).toMatchObject({ removed: 2 });
    expect(await held(store)).toEqual([]);
  });

  it('stops protecting an upload chunk once a file references it, so a later delete frees it', async () => {
    const { store, catalog, gc } = await setup();
    const [chunk] = await storeChunks([store], [10]);
    gc.noteIncoming(chunk!.hash);
    catalog.put('f', [chunk!]);
    expect(await gc.collect()).toMatchObject({ removed: 0, referenced: 1 });
    catalog.remove('f');
    await age(store, chunk!.hash, 2 * GRACE);
    expect(await gc.collect()).toMatchObject({ removed: 1 });
  });

  it('collects nothing while the node is behind the leader, but still removes crash leftovers', async () => {
    const { store, gc, state } = await setup({ caughtUp: false });
    const [orphan] = await storeChunks([store], [10]);
    await age(store, orphan!.hash, 2 * GRACE);
    await fs.writeFile(path.join(store.root, `chunk.tmp-999999-abcdef`), 'half a chunk');

    const behind = await gc.collect();
    expect(behind).toMatchObject({ tempFilesRemoved: 1, skipped: expect.stringContaining('behind') });
    expect(await held(store)).toEqual([orphan!.hash]);
    expect((await fs.readdir(store.root)).filter((n) => n.includes('.tmp-'))).toEqual([]);

    state.caughtUp = true;
    expect(await gc.collect()).toMatchObject({ removed: 1 });
  });
});
