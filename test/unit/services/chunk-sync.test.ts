// Catch-up over real chunk stores and a real state machine: a node missing a file's chunks fetches
// them from a peer `concurrency` at a time and no more bytes at once than `maxBytesInFlight`, and
// one at a time while peers are pushing it chunks (the leader delivering an upload's tail), so the
// two do not pile up beside each other.
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChunkRepairer } from '../../../node-runtime/services/chunk-repairer';
import { ChunkSync } from '../../../node-runtime/services/chunk-sync';
import { useTempDirs } from '../storage/temp-dir';
import { FakeClock } from './fake-clock';
import { Catalog, openStore, storeChunks } from './fixtures';

const tempDir = useTempDirs();

/** A node (`local`) that lacks the 8 chunks of a file its peer holds; each fetch waits until the test lets it go. */
async function catchingUp(pushesArriving?: () => boolean, maxBytesInFlight = 1024 * 1024) {
  const [peer, local] = [await openStore(await tempDir()), await openStore(await tempDir())];
  const chunks = await storeChunks([peer], Array.from({ length: 8 }, () => 1024));
  const catalog = new Catalog();
  catalog.put('big.bin', chunks);
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const repairer = new ChunkRepairer({
    peers: () => [2],
    fetch: async (_peer, hash): Promise<Readable> => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise<void>((resolve) => waiting.push(resolve));
      return peer.get(hash);
    },
    store: async (hash, body) => {
      await local.put(hash, body);
      inFlight -= 1;
    },
  });
  const sync = new ChunkSync({ fsm: catalog.fsm, repairer, has: (hash) => local.has(hash), enabled: () => true, concurrency: 4, maxBytesInFlight, pushesArriving, retryMs: 1_000, onError: () => {}, clock: new FakeClock() });
  sync.want(chunks);
  return {
    sync,
    held: async () => (await Promise.all(chunks.map((c) => local.has(c.hash)))).filter(Boolean).length,
    inFlight: () => inFlight,
    mostInFlight: () => mostInFlight,
    /** Lets every fetch asked for so far go on, and waits until the ones it starts next are asked for or all is fetched. */
    async release(): Promise<void> {
      for (const go of waiting.splice(0)) go();
      const deadline = Date.now() + 5_000;
      while (waiting.length === 0 && sync.pending() > 0) {
        if (Date.now() > deadline) throw new Error('catch-up made no progress');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}

/** Waits until `n` fetches are under way (the sync looks each chunk up on disk before it fetches). */
async function untilInFlight(node: { inFlight(): number }, n: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (node.inFlight() < n) {
    if (Date.now() > deadline) throw new Error(`${node.inFlight()} fetches under way, not ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ChunkSync', () => {
  it('fetches `concurrency` chunks at a time when no peer is pushing', async () => {
    const node = await catchingUp();
    await untilInFlight(node, 4);
    while (node.sync.pending() > 0) await node.release();
    expect(node.mostInFlight()).toBe(4);
    expect(await node.held()).toBe(8);
  });

  it('fetches no more bytes at once than maxBytesInFlight, but always at least one chunk', async () => {
    const two = await catchingUp(undefined, 2048); // the chunks are 1 KiB each
    await untilInFlight(two, 2);
    while (two.sync.pending() > 0) await two.release();
    expect(two.mostInFlight()).toBe(2);
    expect(await two.held()).toBe(8);

    const one = await catchingUp(undefined, 512);
    await untilInFlight(one, 1);
    while (one.sync.pending() > 0) await one.release();
    expect(one.mostInFlight()).toBe(1);
    expect(await one.held()).toBe(8);
  });

  it('fetches one chunk at a time while peers push, and speeds up once they stop', async () => {
    let pushing = true;
    const node = await catchingUp(() => pushing);
    await untilInFlight(node, 1);
    for (let i = 0; i < 3; i++) await node.release();
    expect(node.mostInFlight()).toBe(1);
    expect(await node.held()).toBe(3);

    pushing = false;
    await node.release(); // the fourth chunk ends and the next pump takes four
    await untilInFlight(node, 4);
    while (node.sync.pending() > 0) await node.release();
    expect(node.mostInFlight()).toBe(4);
    expect(await node.held()).toBe(8);
  });
});
