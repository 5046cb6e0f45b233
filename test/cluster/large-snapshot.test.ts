// A follower that missed more than the log keeps must catch up from a snapshot however large the
// state is. With small files inline and no inline budget, a snapshot sent to a follower comes with
// every small file's bytes (streamed after it, transport/snapshot-stream.ts; inside it, format 4,
// to an older release), so 70 MB of small files make a transfer larger than a Raft stream frame
// may be (64 MiB): it has to travel outside the stream. Real nodes, real disk.
import { createHash, randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { json, TestCluster, waitFor, type TestNode } from './harness';

const FILE_BYTES = 60_000; // under inlineMaxBytes (64 KiB): every file rides inline
const FILES = 1_200; // 72 MB of contents: about 96 MB once base64 in a format-4 snapshot
const IN_FLIGHT = 8;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let cluster: TestCluster | undefined;
afterAll(() => cluster?.stop());

/**
 * Writes every file, IN_FLIGHT at a time. 72 MB of fsyncs on a loaded machine can cost the leader
 * its term: a write refused for that (503) is sent again to whichever node leads then, as a client
 * would; anything else fails the test with the node's answer.
 */
async function writeAll(cluster: TestCluster): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  let leader = await cluster.waitForLeader();
  let next = 0;
  const put = async (name: string, data: Buffer<ArrayBuffer>): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${leader.url}/files/${name}`, { method: 'PUT', body: data });
      const answer = await res.text();
      if (res.status === 201) return;
      if (res.status !== 503 || attempt === 5) throw new Error(`PUT ${name}: ${res.status} ${answer}`);
      leader = await cluster.waitForLeader();
    }
  };
  const worker = async (): Promise<void> => {
    while (next < FILES) {
      const name = `big-snap/${next++}.bin`;
      const data = randomBytes(FILE_BYTES);
      await put(name, data);
      hashes.set(name, sha256(data));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return hashes;
}

describe('a snapshot larger than a Raft frame', () => {
  it('reaches a follower that missed the compacted entries, which then serves every file', async () => {
    cluster = await TestCluster.start();
    const lagging = cluster.followers(await cluster.waitForLeader())[0] as TestNode;
    await cluster.kill(lagging);
    const hashes = await writeAll(cluster);
    const leader = await cluster.waitForLeader();
    const status = await json<{ snapshotIndex: number; commitIndex: number }>(`${leader.url}/status`);
    expect(status.body.snapshotIndex, 'the leader compacted its log behind a snapshot').toBeGreaterThan(0);

    cluster.spawn(lagging);
    await cluster.waitLive(lagging);
    await waitFor(
      `node ${lagging.id} to apply index ${status.body.commitIndex}`,
      async () => (await json<{ appliedIndex: number }>(`${lagging.url}/status`)).body.appliedIndex >= status.body.commitIndex,
      150_000,
    );
    const recovery = await json<{ snapshot: { bytesReceived: number; bytesTotal: number | null } }>(`${lagging.url}/recovery/status`);
    expect(recovery.body.snapshot.bytesTotal, 'it installed a snapshot').toBeGreaterThan(0);
    expect(recovery.body.snapshot.bytesReceived).toBe(recovery.body.snapshot.bytesTotal);
    // Killed before the first write, it holds the contents in its pack: they came with the snapshot
    // (the log keeps at most 4 MiB behind one), more bytes than a frame.
    const packs = await readdir(path.join(lagging.dataDir, 'inline'));
    const packBytes = (await Promise.all(packs.map(async (name) => (await stat(path.join(lagging.dataDir, 'inline', name))).size))).reduce((a, b) => a + b, 0);
    expect(packBytes, 'contents received with the snapshot').toBeGreaterThan(64 * 1024 * 1024);
    // Every file, from the follower's own pack (a local read; verified against its SHA-256).
    for (const [name, hash] of hashes) {
      const res = await fetch(`${lagging.url}/files/${name}`);
      expect(res.status, name).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer())), name).toBe(hash);
    }
  }, 420_000);
});
