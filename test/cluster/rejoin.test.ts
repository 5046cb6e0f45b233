// A node whose data directory was wiped rejoins through an InstallSnapshot plus chunk repair, and
// so does one that missed entries its restarted leader compacted (the snapshot read back from
// disk: no node keeps one in memory); a node whose WAL lost the tail of its last record (power cut
// mid-write) cuts it and rejoins.
import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { json, TestCluster, waitFor, type TestNode } from './harness';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function writeFiles(node: TestNode, count: number, prefix: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const data = randomBytes(5_000 + i * 700);
    const res = await fetch(`${node.url}/upload/${prefix}/${i}.bin`, { method: 'POST', body: data });
    expect(res.status).toBe(201);
    files.set(`${prefix}/${i}.bin`, data);
  }
  return files;
}

async function expectCaughtUp(cluster: TestCluster, node: TestNode, leader: TestNode, files: Map<string, Buffer>): Promise<void> {
  const commit = (await json<{ commitIndex: number }>(`${leader.url}/status`)).body.commitIndex;
  await waitFor(`node ${node.id} to apply index ${commit}`, async () => (await json<{ appliedIndex: number }>(`${node.url}/status`)).body.appliedIndex >= commit, 30_000);
  await waitFor(`node ${node.id} to hold every chunk`, async () => (await json<{ chunksMissing: number }>(`${node.url}/recovery/status`)).body.chunksMissing === 0, 30_000);
  for (const [name, data] of files) {
    const res = await fetch(`${node.url}/download?name=${encodeURIComponent(name)}`);
    expect(res.status, name).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer())), name).toBe(sha256(data));
  }
  void cluster;
}

describe('rejoining', () => {
  it('a node with a wiped data directory rejoins via snapshot and chunk repair', async () => {
    cluster = await TestCluster.start();
    const leader = await cluster.waitForLeader();
    // Snapshot (and compact the log) every few entries, so a blank node cannot replay from index 1.
    const set = await json(`${leader.url}/config`, { method: 'PUT', body: JSON.stringify({ snapshotThreshold: 8 }) });
    expect(set.status).toBe(200);
    const victim = cluster.followers(leader)[0] as TestNode;
    await cluster.kill(victim);
    await rm(victim.dataDir, { recursive: true, force: true });

    const files = await writeFiles(leader, 40, 'wiped');
    const status = await json<{ snapshotIndex: number }>(`${leader.url}/status`);
    expect(status.body.snapshotIndex).toBeGreaterThan(1);

    cluster.spawn(victim);
    await cluster.waitLive(victim);
    await expectCaughtUp(cluster, victim, leader, files);
    const victimStatus = await json<{ snapshotIndex: number }>(`${victim.url}/status`);
    expect(victimStatus.body.snapshotIndex, 'the blank node started from a snapshot').toBeGreaterThan(0);
    // Its recovery status says so: the snapshot it installed, whole, and no longer in progress.
    const recovery = await json<{ snapshot: { inProgress: boolean; bytesReceived: number; bytesTotal: number | null } }>(`${victim.url}/recovery/status`);
    expect(recovery.body.snapshot.inProgress).toBe(false);
    expect(recovery.body.snapshot.bytesTotal).toBeGreaterThan(0);
    expect(recovery.body.snapshot.bytesReceived).toBe(recovery.body.snapshot.bytesTotal);
  });

  it('a node that missed compacted entries catches up from a snapshot its restarted leader reads back from disk', async () => {
    cluster = await TestCluster.start();
    const first = await cluster.waitForLeader();
    const set = await json(`${first.url}/config`, { method: 'PUT', body: JSON.stringify({ snapshotThreshold: 8 }) });
    expect(set.status).toBe(200);
    const lagging = cluster.followers(first)[0] as TestNode;
    await cluster.kill(lagging);
    const files = await writeFiles(first, 30, 'behind');
    // Restart the two that hold the log: whichever leads now knows its snapshot by metadata only
    // (nothing of it in memory since start-up) and must read it from its snapshot store to send it.
    const holders = cluster.running();
    for (const node of holders) await cluster.kill(node);
    for (const node of holders) cluster.spawn(node);
    await Promise.all(holders.map((n) => cluster?.waitLive(n)));
    const leader = await cluster.waitForLeader(15_000, holders);
    const status = await json<{ snapshotIndex: number }>(`${leader.url}/status`);
    expect(status.body.snapshotIndex, 'the leader compacted its log behind a snapshot').toBeGreaterThan(8);

    cluster.spawn(lagging);
    await cluster.waitLive(lagging);
    await expectCaughtUp(cluster, lagging, leader, files);
    // It could not catch up from the log: it installed a snapshot, whole.
    const recovery = await json<{ snapshot: { bytesReceived: number; bytesTotal: number | null } }>(`${lagging.url}/recovery/status`);
    expect(recovery.body.snapshot.bytesTotal).toBeGreaterThan(0);
    expect(recovery.body.snapshot.bytesReceived).toBe(recovery.body.snapshot.bytesTotal);
  });

  it('a torn record at the end of the WAL is cut off and the node rejoins', async () => {
    cluster = await TestCluster.start();
    const leader = await cluster.waitForLeader();
    const victim = cluster.followers(leader)[0] as TestNode;
    const before = await writeFiles(leader, 10, 'torn-before');
    await waitFor('the victim to apply the writes', async () => (await json<{ appliedIndex: number }>(`${victim.url}/status`)).body.appliedIndex >= (await json<{ commitIndex: number }>(`${leader.url}/status`)).body.commitIndex);
    await cluster.kill(victim);

    const walDir = path.join(victim.dataDir, 'wal');
    const segments = (await readdir(walDir)).filter((f) => !f.includes('.tmp')).sort();
    const last = path.join(walDir, segments[segments.length - 1] as string);
    const { size } = await stat(last);
    await truncate(last, size - 3);

    const after = await writeFiles(leader, 5, 'torn-after');
    cluster.spawn(victim);
    await cluster.waitLive(victim);
    await expectCaughtUp(cluster, victim, leader, new Map([...before, ...after]));
  });
});
