// Small files ride inside their Raft put entries (issue #11): no chunk files, one replication
// round. These tests hold them to the same promises as chunked files on three real nodes: byte
// identical through every node, nothing acknowledged lost when any node is killed with SIGKILL in
// the middle of a write storm, and carried by snapshots to a node that missed their entries. A
// node keeps their bytes in pack files (storage/content-pack.ts) that outlive restarts, and its
// snapshots name them: a byte flipped there is found by the scrubber or by a read, and repaired
// from a peer.
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, newestSnapshotFormat, TestCluster, waitFor, type TestNode } from './harness';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

interface Written {
  readonly name: string;
  readonly sha256: string;
  readonly version: number;
}

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start();
  const leader = await cluster.waitForLeader();
  // 64 KiB chunks so a 200 KB file has several; snapshots often, so the storm crosses a few.
  const set = await json(`${leader.url}/config`, { method: 'PUT', body: JSON.stringify({ chunkSize: 65_536, inlineMaxBytes: 65_536, snapshotThreshold: 50 }) });
  expect(set.status).toBe(200);
});
afterAll(() => cluster?.stop());

async function put(node: TestNode, name: string, data: Uint8Array<ArrayBuffer>): Promise<Written> {
  const res = await json<{ sha256: string; version: number; chunks: unknown[] }>(`${node.url}/files/${name}`, { method: 'PUT', body: data });
  if (res.status !== 201) throw new Error(`PUT ${name} via node ${node.id} answered ${res.status}`);
  return { name, sha256: res.body.sha256, version: res.body.version };
}

/** Every running node has applied each file's version and serves bytes with its SHA-256. */
async function expectEverywhere(files: readonly Written[]): Promise<void> {
  for (const node of cluster.running()) {
    for (const file of files) {
      await waitFor(`node ${node.id} to apply ${file.name}@${file.version}`, async () => {
        const info = await json<{ version: number }>(`${node.url}/fileinfo?name=${encodeURIComponent(file.name)}`);
        return info.status === 200 && info.body.version >= file.version;
      });
      const res = await fetch(`${node.url}/files/${file.name}`);
      expect(res.status, `${file.name} on node ${node.id}`).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer())), `${file.name} on node ${node.id}`).toBe(file.sha256);
    }
  }
}

async function chunkFiles(node: TestNode): Promise<number> {
  const fanOuts = await readdir(path.join(node.dataDir, 'chunks')).catch(() => []);
  let count = 0;
  for (const dir of fanOuts) if (/^[0-9a-f]{2}$/.test(dir)) count += (await readdir(path.join(node.dataDir, 'chunks', dir))).length;
  return count;
}

/** Writes small files through `via` until `stop` resolves; keeps what was acknowledged. */
async function storm(via: () => TestNode, prefix: string, acknowledged: Written[], stop: Promise<void>): Promise<void> {
  let done = false;
  void stop.then(() => {
    done = true;
  });
  await Promise.all(
    Array.from({ length: 6 }, async (_, worker) => {
      for (let i = 0; !done; i++) {
        const name = `${prefix}/w${worker}-${i}.txt`;
        // Unacknowledged writes (the node died under them) are the client's to retry: not counted.
        await put(via(), name, randomBytes(100 + ((worker * 37 + i) % 900))).then(
          (w) => acknowledged.push(w),
          () => new Promise((resolve) => setTimeout(resolve, 50)),
        );
      }
    }),
  );
}

/** Flips a byte in every copy of `content` in the node's pack files (a repair leaves the damaged copy behind as dead bytes). */
async function flipInPack(node: TestNode, content: Buffer): Promise<void> {
  const dir = path.join(node.dataDir, 'inline');
  let flipped = 0;
  for (const name of await readdir(dir)) {
    const bytes = await readFile(path.join(dir, name));
    for (let at = bytes.indexOf(content); at >= 0; at = bytes.indexOf(content, at + 1)) {
      bytes[at + 7] = (bytes[at + 7] as number) ^ 0xff;
      flipped += 1;
    }
    await writeFile(path.join(dir, name), bytes);
  }
  expect(flipped, `node ${node.id}'s pack holds the content`).toBeGreaterThan(0);
}

/** The inode of each of `node`'s pack files. */
async function packInodes(node: TestNode): Promise<number[]> {
  const dir = path.join(node.dataDir, 'inline');
  return Promise.all((await readdir(dir)).map(async (name) => (await stat(path.join(dir, name))).ino));
}

/** POST /scrub on `node`, then the pass it started, once ended. */
async function scrubNow(node: TestNode): Promise<{ corrupt: number; repaired: number; unrepairable: number }> {
  type Scrub = { running: boolean; lastRun: { startedAt: string; finishedAt: string | null; corrupt: number; repaired: number; unrepairable: number } | null };
  const status = async () => (await json<{ scrub: Scrub }>(`${node.url}/recovery/status`)).body.scrub;
  const before = (await status()).lastRun?.startedAt ?? null;
  expect((await json(`${node.url}/scrub`, { method: 'POST' })).status).toBe(202);
  let last: Scrub['lastRun'] = null;
  await waitFor(`a scrub pass on node ${node.id} to end`, async () => {
    const scrub = await status();
    last = scrub.lastRun;
    return !scrub.running && last !== null && last.startedAt !== before && last.finishedAt !== null;
  });
  return last as unknown as { corrupt: number; repaired: number; unrepairable: number };
}

describe('small files inside their Raft entries', () => {
  it('are kept in a pack, where the scrubber finds a flipped byte and a read meets one, and both repair it from a peer', async () => {
    const leader = await cluster.waitForLeader();
    const victim = cluster.followers(leader)[0] as TestNode;
    const scrubbed = randomBytes(3_000);
    const read = randomBytes(2_000);
    const files = [await put(leader, 'pack/scrubbed.bin', scrubbed), await put(leader, 'pack/read.bin', read)];
    await expectEverywhere(files);

    await flipInPack(victim, read);
    const res = await fetch(`${victim.url}/files/pack/read.bin`);
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer())), 'the read repaired the damaged content before serving it').toBe(sha256(read));

    await flipInPack(victim, scrubbed);
    const run = await scrubNow(victim);
    expect(run).toMatchObject({ corrupt: 1, repaired: 1, unrepairable: 0 });
    expect((await scrubNow(victim)).corrupt, 'the repair holds').toBe(0);
    await expectEverywhere(files);
  });

  it('keep their packs through a restart (reopened, not rebuilt; snapshots name the contents), where a byte flipped while the node was down is repaired', async () => {
    const leader = await cluster.waitForLeader();
    const victim = cluster.followers(leader)[0] as TestNode;
    const flipped = randomBytes(2_500);
    const files = [await put(leader, 'reopen/flipped.bin', flipped)];
    // More than a snapshot's worth of entries (snapshotThreshold 50): the next snapshot names them.
    for (let i = 0; i < 60; i++) files.push(await put(leader, `reopen/f${i}.txt`, randomBytes(100 + i)));
    await expectEverywhere(files);
    await waitFor(`a snapshot on node ${victim.id} that names contents (format 5)`, async () => (await newestSnapshotFormat(victim)) === 5);
    const inodes = await packInodes(victim);
    await cluster.kill(victim);
    await flipInPack(victim, flipped);
    cluster.spawn(victim);
    await cluster.waitLive(victim);
    expect(await packInodes(victim), 'the same pack files').toEqual(expect.arrayContaining(inodes));
    expect(await scrubNow(victim)).toMatchObject({ corrupt: 1, repaired: 1, unrepairable: 0 });
    await expectEverywhere(files);
  });

  it('read back identical through every node, beside a chunked file, and leave no chunk files', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.followers(leader)[0] as TestNode;
    const before = await Promise.all(cluster.nodes.map(chunkFiles));
    const small = await put(follower, 'mixed/small.bin', randomBytes(65_536));
    const big = await put(follower, 'mixed/big.bin', randomBytes(200_000));
    await expectEverywhere([small, big]);
    const info = await json<{ chunks: unknown[]; completeOn: number[] }>(`${leader.url}/fileinfo?name=mixed/small.bin`);
    expect(info.body.chunks).toEqual([]);
    expect(info.body.completeOn.sort()).toEqual([1, 2, 3]);
    const after = await Promise.all(cluster.nodes.map(chunkFiles));
    // Only the big file's four chunks were added, on every node.
    expect(after.map((n, i) => n - (before[i] ?? 0))).toEqual([4, 4, 4]);
    const range = await fetch(`${follower.url}/files/mixed/small.bin`, { headers: { range: 'bytes=10-19' } });
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(10);
  });

  it('are told apart from large ones by what arrives when the length is not declared (a streamed body)', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.followers(leader)[0] as TestNode;
    const stream = async (name: string, data: Buffer): Promise<Written & { chunks: number }> => {
      // Two pieces, no Content-Length: the writer reads up to the limit before it knows the size.
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(data.subarray(0, 1000));
          controller.enqueue(data.subarray(1000));
          controller.close();
        },
      });
      const res = await json<{ sha256: string; version: number; chunks: unknown[] }>(`${follower.url}/files/${name}`, { method: 'PUT', body, duplex: 'half' } as RequestInit);
      expect(res.status, name).toBe(201);
      return { name, sha256: res.body.sha256, version: res.body.version, chunks: res.body.chunks.length };
    };
    const smallData = randomBytes(5_000);
    const bigData = randomBytes(150_000);
    const small = await stream('streamed/small.bin', smallData);
    const big = await stream('streamed/big.bin', bigData);
    expect([small.chunks, big.chunks]).toEqual([0, 3]);
    expect([small.sha256, big.sha256]).toEqual([sha256(smallData), sha256(bigData)]);
    await expectEverywhere([small, big]);
  });

  it('lose nothing acknowledged when a follower and then the leader are killed with SIGKILL mid-storm', async () => {
    const acknowledged: Written[] = [];
    for (const victimRole of ['follower', 'leader'] as const) {
      const leader = await cluster.waitForLeader();
      const victim = victimRole === 'leader' ? leader : (cluster.followers(leader)[0] as TestNode);
      const survivor = cluster.followers(leader).find((n) => n.id !== victim.id) as TestNode;
      let kill!: () => void;
      const killed = new Promise<void>((resolve) => {
        kill = resolve;
      });
      const writes = storm(() => survivor, `storm-${victimRole}`, acknowledged, killed.then(() => new Promise((r) => setTimeout(r, 1500))));
      await waitFor('some writes acknowledged before the kill', () => acknowledged.length > 30 * (victimRole === 'leader' ? 2 : 1));
      await cluster.kill(victim);
      kill();
      await writes;
      cluster.spawn(victim);
      await cluster.waitLive(victim);
      await cluster.waitForLeader();
    }
    expect(acknowledged.length).toBeGreaterThan(60);
    await expectEverywhere(acknowledged);
  });

  it('reach a node that missed their entries through a snapshot, and survive a restart of every node', async () => {
    const leader = await cluster.waitForLeader();
    const absent = cluster.followers(leader)[0] as TestNode;
    await cluster.kill(absent);
    const written: Written[] = [];
    for (let i = 0; i < 120; i++) written.push(await put(leader, `snap/f${i}.txt`, randomBytes(50 + i)));
    cluster.spawn(absent);
    await cluster.waitLive(absent);
    await expectEverywhere(written);
    const recovery = await json<{ snapshot: { bytesTotal: number | null } }>(`${absent.url}/recovery/status`);
    expect(recovery.body.snapshot.bytesTotal, 'the absent node caught up from a snapshot').toBeGreaterThan(0);

    for (const node of cluster.nodes) await cluster.kill(node);
    for (const node of cluster.nodes) cluster.spawn(node);
    await Promise.all(cluster.nodes.map((n) => cluster.waitLive(n)));
    await cluster.waitForLeader();
    await expectEverywhere(written);
  });
});
