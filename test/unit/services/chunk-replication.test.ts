// ChunkReplication over real chunk stores: the leader's store on disk and one store per peer,
// joined by an in-process "network" whose pushes the test releases one by one, so the window,
// the majority and a peer's failure can be observed at exact points.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../node-runtime/common/errors';
import { ChunkReplication, type ChunkPusher } from '../../../node-runtime/services/chunk-replication';
import { ChunkBufferPool, SpareChunkBuffers } from '../../../node-runtime/storage/chunk-buffers';
import { ChunkStore } from '../../../node-runtime/storage/chunk-store';
import { readBackChunk, type SealedChunk } from '../../../node-runtime/storage/chunker';
import { useTempDirs } from '../storage/temp-dir';
import { sha256 } from './fixtures';

const tempDir = useTempDirs();

interface PendingPush {
  readonly peer: number;
  readonly hash: string;
  readonly fromMemory: boolean;
  /** A copy of the bytes the push was given, taken when it was queued. */
  readonly bytes: Buffer | undefined;
  release(): Promise<void>;
  fail(err: Error): void;
}

/** Pushes wait until the test releases them; a released push stores the bytes in the peer's real store. */
class GatedNetwork implements ChunkPusher {
  readonly pending: PendingPush[] = [];

  constructor(
    private readonly leader: ChunkStore,
    private readonly peers: Map<number, ChunkStore>,
  ) {}

  push(peer: number, hash: string, _size: number, bytes?: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({
        peer,
        hash,
        fromMemory: bytes !== undefined,
        bytes: bytes && Buffer.from(bytes),
        release: async () => {
          await this.peers.get(peer)?.put(hash, bytes ? Buffer.from(bytes) : await this.leader.read(hash));
          resolve();
          await flush();
        },
        fail: (err) => reject(err),
      });
    });
  }

  /** The oldest push for `peer` once one is waiting (a retry comes after a pause). */
  async queued(peer: number, withinMs = 5_000): Promise<PendingPush> {
    const deadline = Date.now() + withinMs;
    while (!this.pending.some((p) => p.peer === peer)) {
      if (Date.now() > deadline) throw new Error(`no push for node ${peer} within ${withinMs} ms`);
      await flush();
    }
    return this.next(peer);
  }

  /** The oldest push waiting for `peer`. */
  next(peer: number): PendingPush {
    const index = this.pending.findIndex((p) => p.peer === peer);
    const [push] = this.pending.splice(index, 1);
    if (index < 0 || !push) throw new Error(`no push waiting for node ${peer}`);
    return push;
  }
}

/** Lets promise callbacks and file system work run. */
const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

async function setup(peerIds: readonly number[]) {
  const leader = await ChunkStore.open(await tempDir());
  const peers = new Map<number, ChunkStore>();
  for (const id of peerIds) peers.set(id, await ChunkStore.open(await tempDir()));
  return { leader, peers, network: new GatedNetwork(leader, peers) };
}

/** Keeps no idle buffer unless a test gives it one: a chunk out of the window then streams from disk. */
const noIdlePool = new ChunkBufferPool(1000, 0, new SpareChunkBuffers(0, 1_000));

/** Stores a random chunk on the leader and describes it as the chunker hands it over. */
async function sealed(leader: ChunkStore, index: number, pool = noIdlePool): Promise<SealedChunk> {
  const bytes = randomBytes(1000);
  const hash = sha256(bytes);
  await leader.put(hash, bytes);
  const pooled = pool.take();
  bytes.copy(pooled);
  const ref = { hash, size: bytes.length };
  return { ref, index, bytes: pool.share(pooled, bytes.length), durable: Promise.resolve(), readBack: () => readBackChunk(pool, leader, ref) };
}
/**
 * A follower (2) and a learner (9) behind a window of `windowChunks`, four pooled buffers: three
 * chunks added, each released to the follower, so each has its majority and the learner none yet.
 */
async function threeChunksAcknowledgedByTheFollower(windowChunks: number) {
  const { leader, peers, network } = await setup([2, 9]);
  const pool = new ChunkBufferPool(1000, 4, new SpareChunkBuffers(0, 1_000));
  const replication = new ChunkReplication(network, { followers: [2], learners: [9] }, { chunks: windowChunks, perPeer: 1 });
  const chunks = await Promise.all([0, 1, 2].map((i) => sealed(leader, i, pool)));
  for (const chunk of chunks) {
    const added = replication.add(chunk);
    await network.next(2).release();
    await added;
  }
  return { peers, network, pool, chunks, replication };
}


/** Whether `promise` has settled after pending work ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await flush();
  return done;
}

describe('ChunkReplication', () => {
  it('holds the upload back while more than `window` chunks lack a majority, and lets it go as followers store them', async () => {
    const { leader, peers, network } = await setup([2, 3]);
    const replication = new ChunkReplication(network, { followers: [2, 3], learners: [] }, { chunks: 2, perPeer: 2 });
    const chunks = await Promise.all([0, 1, 2].map((i) => sealed(leader, i)));
    await replication.add(chunks[0] as SealedChunk);
    await replication.add(chunks[1] as SealedChunk);
    const third = replication.add(chunks[2] as SealedChunk);
    expect(await settled(third)).toBe(false);
    // Node 2 stores chunk 0: with the leader's copy, 2 of 3 voters hold it.
    await network.next(2).release();
    expect(await settled(third)).toBe(true);
    expect(await peers.get(2)?.verify(chunks[0]?.ref.hash ?? '')).toBe(true);
  });

  it('is done when every chunk is on a majority, even on different followers, while the rest go on', async () => {
    const { leader, network } = await setup([2, 3]);
    const replication = new ChunkReplication(network, { followers: [2, 3], learners: [] }, { chunks: 4, perPeer: 1 });
    const [a, b] = await Promise.all([0, 1].map((i) => sealed(leader, i)));
    await replication.add(a as SealedChunk);
    await replication.add(b as SealedChunk);
    const quorum = replication.quorum();
    await network.next(2).release(); // chunk 0 on node 2
    expect(await settled(quorum)).toBe(false);
    network.next(3).fail(new Error('node 3 went away')); // chunk 0 never reaches node 3
    await flush();
    await network.next(2).release(); // chunk 1 on node 2
    await expect(quorum).resolves.toBeUndefined();
  });

  it('refuses with no_quorum once too few followers are left for a majority', async () => {
    const { leader, network } = await setup([2, 3]);
    const replication = new ChunkReplication(network, { followers: [2, 3], learners: [] }, { chunks: 1, perPeer: 1 });
    await replication.add(await sealed(leader, 0));
    const quorum = replication.quorum();
    network.next(2).fail(new Error('connection refused'));
    (await network.queued(2)).fail(new Error('connection refused'));
    await flush();
    expect(await settled(quorum)).toBe(false);
    network.next(3).fail(new Error('timed out'));
    expect(await settled(quorum)).toBe(false);
    (await network.queued(3)).fail(new Error('timed out'));
    const err = await quorum.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('no_quorum');
    expect((err as ApiError).message).toMatch(/only 1 of 3 voters.*node 2: connection refused.*node 3: timed out/);
    // The upload stops at its next chunk instead of reading the rest of a body nobody can hold.
    await expect(replication.add(await sealed(leader, 1))).rejects.toThrow(/no_quorum|only 1 of 3/);
  });

  it('sends a peer that fell behind the window its chunks from disk, once they are durable; a learner never holds the upload back', async () => {
    const { leader, peers, network } = await setup([2, 9]);
    const replication = new ChunkReplication(network, { followers: [2], learners: [9] }, { chunks: 1, perPeer: 1 });
    const chunks = await Promise.all([0, 1, 2].map((i) => sealed(leader, i)));
    for (const chunk of chunks) {
      const added = replication.add(chunk);
      const push = network.next(2);
      expect(push.fromMemory).toBe(true);
      await push.release();
      await added;
    }
    await replication.quorum();
    // The learner's first push started from memory; chunk 1 left the window before its turn came,
    // and chunk 2, the newest, was let go once every chunk had a majority.
    const fromMemory: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const push = network.next(9);
      fromMemory.push(push.fromMemory);
      await push.release();
    }
    expect(fromMemory).toEqual([true, false, false]);
    for (const chunk of chunks) expect(await peers.get(9)?.verify(chunk.ref.hash)).toBe(true);
  });

  it('reads a chunk that left the window back into an idle pooled buffer for a peer behind, and hands the buffer back once pushed', async () => {
    const { peers, network, pool, chunks } = await threeChunksAcknowledgedByTheFollower(1);
    const learnerPushes: PendingPush[] = [];
    for (let i = 0; i < 3; i++) {
      const push = await network.queued(9);
      learnerPushes.push(push);
      await push.release();
    }
    // Chunk 1 left the window before the learner's turn: it was read back from disk into a pooled buffer.
    expect(learnerPushes.map((p) => p.bytes !== undefined)).toEqual([true, true, true]);
    learnerPushes.forEach((push, i) => expect(sha256(push.bytes ?? Buffer.alloc(0))).toBe(chunks[i]?.ref.hash));
    for (const chunk of chunks) expect(await peers.get(9)?.verify(chunk.ref.hash)).toBe(true);
    // All three buffers are idle again: the read-back one too, once its push was done.
    const idle: Buffer[] = [];
    for (let b = pool.takeIdle(); b !== undefined; b = pool.takeIdle()) idle.push(b);
    expect(idle.length).toBe(3);
  });

  it('lets go of the window\'s bytes once every chunk has a majority: a peer still behind reads them back when its turn comes', async () => {
    const { peers, network, pool, chunks, replication } = await threeChunksAcknowledgedByTheFollower(3);
    // The learner has chunk 0's push under way; chunks 1 and 2 wait for it, still in the window.
    const first = await network.queued(9);
    const idleBefore = pool.takeIdle();
    expect(idleBefore).toBeUndefined();
    await replication.quorum();
    const idle: Buffer[] = [];
    for (let b = pool.takeIdle(); b !== undefined; b = pool.takeIdle()) idle.push(b);
    expect(idle.length).toBe(2);
    for (const b of idle) pool.give(b);
    await first.release();
    const rest = [await network.queued(9)];
    await rest[0]?.release();
    rest.push(await network.queued(9));
    await rest[1]?.release();
    // Sent from buffers read back from the store, with the chunks' bytes.
    rest.forEach((push, i) => expect(sha256(push.bytes ?? Buffer.alloc(0))).toBe(chunks[i + 1]?.ref.hash));
    for (const chunk of chunks) expect(await peers.get(9)?.verify(chunk.ref.hash)).toBe(true);
  });

  it('tries a failed push once more from disk; the peer counts when the retry lands, and is given up after a second failure', async () => {
    const { leader, peers, network } = await setup([2, 3]);
    const replication = new ChunkReplication(network, { followers: [2, 3], learners: [] }, { chunks: 2, perPeer: 1 });
    const [a, b] = await Promise.all([0, 1].map((i) => sealed(leader, i)));
    await replication.add(a as SealedChunk);
    const quorum = replication.quorum();
    network.next(2).fail(new Error('connection reset'));
    network.next(3).fail(new Error('bytes damaged on the way'));
    expect(await settled(quorum)).toBe(false);
    const retry = await network.queued(2);
    expect(retry.fromMemory).toBe(false);
    await retry.release();
    await expect(quorum).resolves.toBeUndefined();
    expect(await peers.get(2)?.verify(a?.ref.hash ?? '')).toBe(true);
    // Node 3's retry fails too: it gets no more pushes for this upload; node 2 carries chunk 1.
    (await network.queued(3)).fail(new Error('bytes damaged on the way'));
    await flush();
    await replication.add(b as SealedChunk);
    await network.next(2).release();
    await expect(replication.quorum()).resolves.toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(network.pending).toEqual([]);
  });

  it('drops the pushes not yet started once the upload is over; those under way still land', async () => {
    const { leader, peers, network } = await setup([2, 3]);
    const replication = new ChunkReplication(network, { followers: [2, 3], learners: [] }, { chunks: 4, perPeer: 1 });
    const chunks = await Promise.all([0, 1, 2].map((i) => sealed(leader, i)));
    for (const chunk of chunks) await replication.add(chunk);
    const underWay = [network.next(2), network.next(3)];
    expect(network.pending).toEqual([]); // one push per peer at a time: chunks 1 and 2 wait
    replication.dropQueuedPushes();
    for (const push of underWay) await push.release();
    await flush();
    expect(network.pending).toEqual([]);
    const first = chunks[0]?.ref.hash ?? '';
    for (const id of [2, 3]) {
      expect(await peers.get(id)?.verify(first)).toBe(true);
      expect(await peers.get(id)?.has(chunks[1]?.ref.hash ?? '')).toBe(false);
    }
  });

  it('needs no follower in a cluster of one', async () => {
    const { leader, network } = await setup([]);
    const replication = new ChunkReplication(network, { followers: [], learners: [] }, { chunks: 1, perPeer: 1 });
    await replication.add(await sealed(leader, 0));
    await replication.add(await sealed(leader, 1));
    await expect(replication.quorum()).resolves.toBeUndefined();
    expect(network.pending).toEqual([]);
  });
});
