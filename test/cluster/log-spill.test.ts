// The in-memory Raft log keeps only the newest 4 MiB of applied entries' data (issue #11,
// MemoryStorage.spillTo): a follower that was down while the leader applied more than that catches
// up from the log all the same — the leader reads those entries back from its WAL — with every
// small file byte-identical, and without a snapshot.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { json, TestCluster, waitFor, type TestNode } from './harness';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start();
});
afterAll(() => cluster?.stop());

it('a follower that missed 9 MiB of small files catches up from the leader\'s log, read back from its WAL', { timeout: 180_000 }, async () => {
  const leader = await cluster.waitForLeader();
  const absent = cluster.followers(leader)[0] as TestNode;
  await cluster.kill(absent);
  const written = new Map<string, string>();
  // 300 files of 30 KiB: inline (under inlineMaxBytes), far past the 4 MiB the leader keeps,
  // far below the 10,000 entries after which it would take a snapshot.
  for (let i = 0; i < 300; i++) {
    const name = `spill/f${i}.bin`;
    const data = randomBytes(30 * 1024);
    const res = await fetch(`${leader.url}/files/${name}`, { method: 'PUT', body: data });
    expect(res.status, name).toBe(201);
    written.set(name, sha256(data));
  }
  cluster.spawn(absent);
  await cluster.waitLive(absent);
  const leaderApplied = (await json<{ appliedIndex: number }>(`${leader.url}/status`)).body.appliedIndex;
  await waitFor(`node ${absent.id} to apply index ${leaderApplied}`, async () => (await json<{ appliedIndex: number }>(`${absent.url}/status`)).body.appliedIndex >= leaderApplied, 120_000);
  for (const [name, hash] of written) {
    const res = await fetch(`${absent.url}/files/${name}`);
    expect(res.status, `${name} on node ${absent.id}`).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer())), `${name} on node ${absent.id}`).toBe(hash);
  }
  const status = await json<{ snapshotIndex: number }>(`${absent.url}/status`);
  expect(status.body.snapshotIndex, 'caught up from the log, not from a snapshot').toBe(0);
});
