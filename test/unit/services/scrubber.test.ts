// The scrubber over real chunk stores on disk: a healthy "peer" store supplies repairs through
// the real ChunkRepairer, and repairs replace the damaged file. Small files' contents in real
// packs (storage/content-pack.ts) are checked and repaired the same way.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChunkRepairer, collect } from '../../../node-runtime/services/chunk-repairer';
import { Scrubber, type InlineScrubSources } from '../../../node-runtime/services/scrubber';
import type { ChunkStore } from '../../../node-runtime/storage/chunk-store';
import { ContentPack } from '../../../node-runtime/storage/content-pack';
import { useTempDirs } from '../storage/temp-dir';
import { FakeClock } from './fake-clock';
import { Catalog, damage, openStore, sha256, storeChunks } from './fixtures';

const tempDir = useTempDirs();
const KiB = 1024;

interface Setup {
  local: ChunkStore;
  peer: ChunkStore;
  catalog: Catalog;
  scrubber: Scrubber;
  clock: FakeClock;
  /** One pass, the fake clock moved to each pause the rate limit asks for. */
  scrub: () => ReturnType<Scrubber['scrub']>;
  events: string[];
  settings: { rate: number; recovery: boolean };
  fetchedMissing: string[];
}

/** Moves the clock from timer to timer (and lets real I/O run between) until `work` settles. */
async function untilSettled<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let settled = false;
  const done = work.finally(() => {
    settled = true;
  });
  while (!settled) if (!(await clock.advanceToNext())) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

async function setup(inline?: InlineScrubSources): Promise<Setup> {
  const local = await openStore(await tempDir());
  const peer = await openStore(await tempDir());
  const catalog = new Catalog();
  const events: string[] = [];
  const settings = { rate: 64 * 1024 * KiB, recovery: true };
  const repairer = new ChunkRepairer({
    peers: () => [2],
    fetch: async (_peer, hash) => {
      if (!(await peer.has(hash))) throw new Error('peer does not hold it');
      return peer.get(hash);
    },
    store: async (hash, data) => {
      await local.put(hash, data);
    },
  });
  const fetchedMissing: string[] = [];
  const clock = new FakeClock();
  const scrubber = new Scrubber({
    list: () => local.list(),
    referenced: () => catalog.fsm.list({ limit: 1000 }).items.flatMap((f) => f.chunks),
    has: (hash) => local.has(hash),
    fetchMissing: (missing) => fetchedMissing.push(...missing.map((c) => c.hash)),
    open: async (hash) => ((await local.has(hash)) ? local.get(hash) : null),
    referencedSize: (hash) => {
      for (const file of catalog.fsm.list({ limit: 1000 }).items) for (const c of file.chunks) if (c.hash === hash) return c.size;
      return undefined;
    },
    repair: async (hash, size) => {
      await repairer.repair(hash, size);
    },
    remove: async (hash) => {
      await local.delete(hash);
    },
    ...(inline && { inline }),
    rateBytesPerSec: () => settings.rate,
    recoveryEnabled: () => settings.recovery,
    onCorrupt: (hash, outcome) => events.push(`${hash.slice(0, 8)}:${outcome}`),
    clock,
  });
  const scrub = () => untilSettled(clock, scrubber.scrub());
  return { local, peer, catalog, scrubber, clock, scrub, events, settings, fetchedMissing };
}

async function intact(store: ChunkStore, hash: string): Promise<boolean> {
  return (await store.has(hash)) && sha256(await store.read(hash)) === hash;
}

describe('Scrubber', () => {
  it('checks every local chunk and reports a clean pass', async () => {
    const { local, peer, catalog, scrubber, scrub } = await setup();
    const chunks = await storeChunks([local, peer], [10 * KiB, 300 * KiB, 1]);
    catalog.put('a', chunks);
    const run = await scrub();
    expect(run).toMatchObject({ checked: 3, corrupt: 0, repaired: 0, unrepairable: 0, bytesChecked: 310 * KiB + 1 });
    expect(run.finishedAt).not.toBeNull();
    expect(scrubber.status()).toMatchObject({ running: false, current: null, lastRun: { checked: 3 } });
  });

  it('repairs a damaged chunk from the peer, replacing the file on disk', async () => {
    const { local, peer, catalog, events, scrub } = await setup();
    const [good, bad] = await storeChunks([local, peer], [20 * KiB, 20 * KiB]);
    catalog.put('a', [good!, bad!]);
    await damage(local, bad!.hash);
    const run = await scrub();
    expect(run).toMatchObject({ checked: 2, corrupt: 1, repaired: 1, unrepairable: 0 });
    expect(await intact(local, bad!.hash)).toBe(true);
    expect(events).toEqual([`${bad!.hash.slice(0, 8)}:repaired`]);
  });

  it('counts a chunk no peer can supply as unrepairable and keeps going', async () => {
    const { local, catalog, scrub } = await setup();
    const chunks = await storeChunks([local], [5 * KiB, 5 * KiB, 5 * KiB]);
    catalog.put('a', chunks);
    await damage(local, chunks[0]!.hash);
    await damage(local, chunks[2]!.hash);
    const run = await scrub();
    expect(run).toMatchObject({ checked: 3, corrupt: 2, repaired: 0, unrepairable: 2 });
  });

  it('removes a damaged chunk that no file references instead of repairing it', async () => {
    const { local, peer, scrub } = await setup();
    const [orphan] = await storeChunks([local, peer], [4 * KiB]);
    await damage(local, orphan!.hash);
    const run = await scrub();
    expect(run).toMatchObject({ corrupt: 1, removed: 1, repaired: 0 });
    expect(await local.has(orphan!.hash)).toBe(false);
  });

  it('with recovery disabled reports damage and leaves the chunk alone', async () => {
    const { local, peer, catalog, settings, scrub } = await setup();
    const [chunk] = await storeChunks([local, peer], [4 * KiB]);
    catalog.put('a', [chunk!]);
    await damage(local, chunk!.hash);
    settings.recovery = false;
    expect(await scrub()).toMatchObject({ corrupt: 1, repaired: 0, unrepairable: 0, leftCorrupt: 1 });
    expect(await intact(local, chunk!.hash)).toBe(false);
    settings.recovery = true;
    expect(await scrub()).toMatchObject({ corrupt: 1, repaired: 1 });
  });

  it('counts referenced chunks that are not here and hands them to catch-up, unless recovery is off', async () => {
    const { local, peer, catalog, settings, fetchedMissing, scrub } = await setup();
    const [here, gone] = await storeChunks([local, peer], [4 * KiB, 4 * KiB]);
    catalog.put('a', [here!, gone!]);
    catalog.put('b', [gone!]);
    await local.delete(gone!.hash);
    settings.recovery = false;
    expect(await scrub()).toMatchObject({ checked: 1, missing: 1 });
    expect(fetchedMissing).toEqual([]);
    settings.recovery = true;
    expect(await scrub()).toMatchObject({ missing: 1 });
    expect(fetchedMissing).toEqual([gone!.hash]);
  });

  it('reads no faster than the rate, and a rate of 0 means disabled', async () => {
    const { local, scrubber, settings, scrub, clock } = await setup();
    await storeChunks([local], [256 * KiB, 256 * KiB, 256 * KiB]);
    settings.rate = 512 * KiB;
    const started = clock.now();
    const run = await scrub();
    // 768 KiB at 512 KiB/s: a piece is read only once the budget allows it.
    expect(clock.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(run.bytesPerSec).toBeLessThanOrEqual(512 * KiB * 1.1);
    settings.rate = 0;
    expect(scrubber.enabled()).toBe(false);
  });

  it('shows the pass in progress as current, and stop() ends it early', async () => {
    const { local, scrubber, settings } = await setup();
    await storeChunks([local], [256 * KiB, 256 * KiB, 256 * KiB, 256 * KiB]);
    settings.rate = 128 * KiB;
    const pass = scrubber.scrub();
    await expect.poll(() => scrubber.status().current?.bytesChecked ?? 0).toBeGreaterThan(0);
    expect(scrubber.status().running).toBe(true);
    await expect(scrubber.scrub()).rejects.toThrow(/already running/);
    // The pass waits on the clock, which does not move: only stop() can end that wait.
    scrubber.stop();
    const run = await pass;
    expect(run.checked).toBeLessThan(4);
    expect(scrubber.status()).toMatchObject({ running: false, current: null });
  });
});

/** A local pack holding `contents`, a peer pack holding them too, and scrub sources that repair from the peer. */
async function packs(contents: readonly Buffer[]): Promise<{ local: ContentPack; peer: ContentPack; localDir: string; inline: InlineScrubSources }> {
  const localDir = path.join(await tempDir(), 'inline');
  const local = ContentPack.open(localDir).pack;
  const peer = ContentPack.open(path.join(await tempDir(), 'inline')).pack;
  for (const c of contents) {
    local.put(sha256(c), c);
    peer.put(sha256(c), c);
  }
  const repairer = new ChunkRepairer({
    peers: () => [2],
    fetch: async (_peer, hash) => {
      const held = peer.get(hash);
      if (held === undefined) throw new Error('peer does not hold it');
      return Readable.from([held]);
    },
    store: async (hash, body) => local.replace(hash, await collect(body)),
  });
  const inline: InlineScrubSources = { list: () => local.entries(), read: (sha) => local.get(sha), repair: async (sha, size) => void (await repairer.repair(sha, size)) };
  return { local, peer, localDir, inline };
}

/** Flips the byte `at` bytes into `content` where the pack file holds it. */
function flipPackByte(dir: string, content: Buffer, at: number): void {
  const file = path.join(dir, readdirSync(dir)[0] as string);
  const bytes = readFileSync(file);
  const offset = bytes.indexOf(content) + at;
  bytes[offset] = (bytes[offset] as number) ^ 0xff;
  writeFileSync(file, bytes);
}

describe('Scrubber over small files in a pack', () => {
  it('re-hashes every content, finds a flipped byte and repairs it from the peer', async () => {
    const contents = [randomBytes(300), randomBytes(4000), randomBytes(50)];
    const { local, peer, localDir, inline } = await packs(contents);
    const { scrub, events } = await setup(inline);
    expect(await scrub()).toMatchObject({ checked: 3, corrupt: 0, bytesChecked: 4350 });
    flipPackByte(localDir, contents[1] as Buffer, 1234);
    const bad = sha256(contents[1] as Buffer);
    expect(await scrub()).toMatchObject({ checked: 3, corrupt: 1, repaired: 1, unrepairable: 0 });
    expect(events).toEqual([`${bad.slice(0, 8)}:repaired`]);
    expect(sha256(local.get(bad) as Buffer)).toBe(bad);
    expect(await scrub()).toMatchObject({ checked: 3, corrupt: 0 });
    local.close();
    peer.close();
  });

  it('leaves damage alone with recovery off, and counts what no peer can supply as unrepairable', async () => {
    const contents = [randomBytes(100), randomBytes(100)];
    const { local, peer, localDir, inline } = await packs(contents);
    const { scrub, settings } = await setup(inline);
    flipPackByte(localDir, contents[1] as Buffer, 50);
    settings.recovery = false;
    expect(await scrub()).toMatchObject({ corrupt: 1, leftCorrupt: 1, repaired: 0 });
    settings.recovery = true;
    // Gone from the peer for good: dropped, and a snapshot captured after the drop is durable.
    peer.drop(sha256(contents[1] as Buffer));
    peer.mark(1);
    peer.releaseUpTo(1);
    expect(await scrub()).toMatchObject({ corrupt: 1, repaired: 0, unrepairable: 1 });
    local.close();
    peer.close();
  });
});
