// Crashes: kill -9 of the leader loses nothing acknowledged and the cluster writes again; a node
// killed during uploads catches up its log and chunks when it returns, without operator action.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { json, TestCluster, waitFor, type TestNode } from './harness';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function upload(node: TestNode, name: string, data: Uint8Array<ArrayBuffer>): Promise<{ status: number; version?: number }> {
  const res = await json<{ version: number }>(`${node.url}/upload/${name}`, { method: 'POST', body: data });
  return { status: res.status, version: res.body?.version };
}

async function expectFile(node: TestNode, name: string, data: Uint8Array): Promise<void> {
  const res = await fetch(`${node.url}/download?name=${encodeURIComponent(name)}`);
  expect(res.status, `${name} on node ${node.id}`).toBe(200);
  expect(sha256(Buffer.from(await res.arrayBuffer())), `${name} on node ${node.id}`).toBe(sha256(data));
}

describe('crash of the leader', () => {
  it('elects a new leader, keeps every acknowledged upload and accepts writes again', async () => {
    cluster = await TestCluster.start();
    const oldLeader = await cluster.waitForLeader();
    const acknowledged = new Map<string, Buffer>();
    for (let i = 0; i < 20; i++) {
      const data = randomBytes(1000 + i * 5000);
      const res = await upload(oldLeader, `before/${i}.bin`, data);
      expect(res.status).toBe(201);
      acknowledged.set(`before/${i}.bin`, data);
    }

    await cluster.kill(oldLeader);
    const survivors = cluster.running();
    const newLeader = await cluster.waitForLeader(15_000, survivors);
    expect(newLeader.id).not.toBe(oldLeader.id);

    for (const node of survivors) {
      for (const [name, data] of acknowledged) await expectFile(node, name, data);
    }
    const after = randomBytes(64 * 1024);
    expect((await upload(survivors.find((n) => n.id !== newLeader.id) as TestNode, 'after.bin', after)).status).toBe(201);
    for (const node of survivors) {
      await waitFor(`after.bin on node ${node.id}`, async () => (await fetch(`${node.url}/fileinfo?name=after.bin`)).ok);
      await expectFile(node, 'after.bin', after);
    }
  });

  it('answers 503 within a bounded time when no quorum is left, and never hangs', async () => {
    cluster = await TestCluster.start();
    const leader = await cluster.waitForLeader();
    for (const follower of cluster.followers(leader)) await cluster.kill(follower);
    const started = Date.now();
    const res = await json<{ error: string }>(`${leader.url}/upload/lonely.txt`, { method: 'POST', body: 'x', signal: AbortSignal.timeout(30_000) });
    expect(res.status).toBe(503);
    expect(['no_quorum', 'unavailable']).toContain(res.body.error);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('a node that was down', () => {
  it('catches up log and chunks after being killed during uploads', async () => {
    cluster = await TestCluster.start();
    const leader = await cluster.waitForLeader();
    const victim = cluster.followers(leader)[0] as TestNode;
    const files = new Map<string, Buffer>();
    const uploads: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      const data = randomBytes(20_000 + i * 3000);
      files.set(`during/${i}.bin`, data);
      uploads.push(upload(leader, `during/${i}.bin`, data).then((r) => expect(r.status).toBe(201)));
      if (i === 10) await cluster.kill(victim);
    }
    await Promise.all(uploads);

    cluster.spawn(victim);
    await cluster.waitLive(victim);
    const leaderCommit = (await json<{ commitIndex: number }>(`${leader.url}/status`)).body.commitIndex;
    await waitFor('the restarted node to apply the leader\'s commit index', async () => (await json<{ appliedIndex: number }>(`${victim.url}/status`)).body.appliedIndex >= leaderCommit, 20_000);
    await waitFor('the restarted node to hold every chunk', async () => {
      const { body } = await json<{ chunksMissing: number }>(`${victim.url}/recovery/status`);
      return body.chunksMissing === 0;
    }, 20_000);
    for (const [name, data] of files) await expectFile(victim, name, data);
  });
});
