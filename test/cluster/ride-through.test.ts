// Ride-through (issue #12): a write or a linearizable read that arrives while there is no leader
// waits for one and then succeeds by itself; only when none comes within the leaderWaitMs setting does the client get
// 503 with Retry-After.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { signedFetch, startS3Cluster } from '../api/s3-support';
import { json, startWithLeader, TestCluster, waitFor, type TestNode } from './harness';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function put(node: TestNode, name: string, body: Uint8Array<ArrayBuffer>): Promise<{ status: number; body: { error?: string; version?: number }; headers: Headers }> {
  return json(`${node.url}/files/${name}`, { method: 'PUT', body, signal: AbortSignal.timeout(30_000) });
}

describe('a write with no leader to take it', () => {
  it('sent the moment the nodes answer, before any leader is elected, waits and succeeds', async () => {
    cluster = await TestCluster.start();
    // TestCluster.start waits only until every node answers /livez, not for an election.
    const results = await Promise.all(cluster.nodes.map((node) => put(node, `first-${node.id}.bin`, randomBytes(1000))));
    for (const res of results) expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('a cluster setting sent the moment the nodes answer, before any leader is elected, waits and is applied everywhere', async () => {
    cluster = await TestCluster.start();
    const results = await Promise.all(
      cluster.nodes.map((node, i) => json<{ error?: string }>(`${node.url}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ storageQuota: 1_000_000 + i }) })),
    );
    for (const res of results) expect(res.status, JSON.stringify(res.body)).toBe(200);
    const quotas = async () => Promise.all(cluster?.nodes.map(async (n) => (await json<{ storageQuota: { value: number } }>(`${n.url}/config`)).body.storageQuota.value) ?? []);
    await waitFor('every node to hold the same quota', async () => new Set(await quotas()).size === 1);
  });

  it('sent to a follower right after the leader is killed, waits for the new leader and succeeds; so does a linearizable read', async () => {
    const started = await startWithLeader();
    cluster = started.cluster;
    const { leader, follower } = started;
    const before = randomBytes(3000);
    expect((await put(leader, 'before.bin', before)).status).toBe(201);
    await cluster.kill(leader);
    const sentAt = Date.now();
    const [res, read] = await Promise.all([
      put(follower, 'after-kill.bin', randomBytes(4000)),
      fetch(`${follower.url}/files/before.bin?consistency=linearizable`, { signal: AbortSignal.timeout(30_000) }),
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(read.status).toBe(200);
    expect(Buffer.from(await read.arrayBuffer()).equals(before)).toBe(true);
    // An election on loopback with the local timeouts: well under the 10 s wait.
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    const newLeader = await cluster.waitForLeader(10_000, cluster.running());
    expect(newLeader.id).not.toBe(leader.id);
    await waitFor('the write on every survivor', async () => {
      const views = await Promise.all(cluster?.running().map((n) => fetch(`${n.url}/fileinfo?name=after-kill.bin`)) ?? []);
      return views.every((r) => r.ok);
    });
  });

  it('is answered 503 with Retry-After once leaderWaitMs passes without a leader, and stores nothing', async () => {
    const started = await startWithLeader();
    cluster = started.cluster;
    const { leader, follower } = started;
    const set = await json(`${follower.url}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ leaderWaitMs: 1_500 }) });
    expect(set.status).toBe(200);
    // Two of three gone: no quorum, no leader can be elected.
    await cluster.kill(leader);
    for (const other of cluster.followers(follower)) await cluster.kill(other);
    await waitFor('the follower to know it has no leader', async () => (await json<{ leaderId: number | null }>(`${follower.url}/leader`)).body.leaderId === null);
    const sentAt = Date.now();
    const res = await put(follower, 'lonely.bin', randomBytes(1000));
    const waited = Date.now() - sentAt;
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('no_quorum');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(waited).toBeGreaterThanOrEqual(1_400);
    expect(waited).toBeLessThan(10_000);
    expect((await fetch(`${follower.url}/fileinfo?name=lonely.bin`)).status).toBe(404);
  });

  it('through S3: a PutObject sent to a follower right after the leader is killed waits and succeeds', async () => {
    const s3 = await startS3Cluster();
    cluster = s3.cluster;
    const { leader, follower } = s3;
    const endpoint = s3.s3Url(follower);
    expect((await signedFetch(endpoint, { method: 'PUT', path: '/ride' })).status).toBe(200);
    await cluster.kill(leader);
    const body = randomBytes(5000);
    const res = await signedFetch(endpoint, { method: 'PUT', path: '/ride/after-kill.bin', body });
    expect(res.status, await res.clone().text()).toBe(200);
    const back = await signedFetch(endpoint, { path: '/ride/after-kill.bin' });
    expect(Buffer.from(await back.arrayBuffer()).equals(body)).toBe(true);
  });
});
