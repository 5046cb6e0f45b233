// Lease locks on real processes: of two clients racing for a lock exactly one wins; the other's
// writes are refused with 423 until the lease is released or expires (the leader's tick makes the
// expiry a replicated fact); the lease survives the leader being killed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceRun } from '../../node-runtime/services/service-runs';
import { recovery, upload, waitApplied } from './advanced-helpers';
import { json, startWithLeader, type TestCluster, type TestNode, waitFor } from './harness';

interface Grant {
  name: string;
  owner: string;
  token: string;
  expiresAt: string;
}

interface ErrorBody {
  error: string;
  detail: string;
  owner?: string;
}

let cluster: TestCluster;
let leader: TestNode;
let followers: TestNode[];

beforeAll(async () => {
  ({ cluster, leader } = await startWithLeader());
  followers = cluster.followers(leader);
});
afterAll(async () => {
  await cluster?.stop();
});

function acquire(node: TestNode, name: string, owner: string, ttlMs?: number) {
  return json<Grant & ErrorBody>(`${node.url}/locks/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ owner, ...(ttlMs !== undefined ? { ttlMs } : {}) }),
  });
}

function release(node: TestNode, name: string, token: string) {
  return fetch(`${node.url}/locks/${name}`, { method: 'DELETE', headers: { 'x-lock-token': token } });
}

async function locksOn(node: TestNode): Promise<{ name: string; owner: string }[]> {
  return (await json<{ locks: { name: string; owner: string }[] }>(`${node.url}/locks`)).body.locks;
}

/** Waits until every running node lists exactly these owners for `name` (none: unlocked). */
async function waitLockView(name: string, owner: string | null, nodes = cluster.running()): Promise<void> {
  await Promise.all(
    nodes.map((n) =>
      waitFor(`node ${n.id} to show ${name} ${owner ? `locked by ${owner}` : 'unlocked'}`, async () => {
        const held = (await locksOn(n)).filter((l) => l.name === name);
        return owner === null ? held.length === 0 : held.length === 1 && held[0]?.owner === owner;
      }),
    ),
  );
}

describe('lease locks', () => {
  const name = 'shared/doc.txt';
  let winner: { owner: string; token: string; via: TestNode };
  let loser: { owner: string; via: TestNode };

  it('lets exactly one of two racing clients take the lock; the other gets 423 naming the holder', async () => {
    const [a, b] = followers as [TestNode, TestNode];
    const [alice, bob] = await Promise.all([acquire(a, name, 'alice', 20_000), acquire(b, name, 'bob', 20_000)]);
    const statuses = [alice.status, bob.status].sort();
    expect(statuses).toEqual([201, 423]);
    const won = alice.status === 201 ? { res: alice, owner: 'alice', via: a } : { res: bob, owner: 'bob', via: b };
    const lost = alice.status === 201 ? { res: bob, owner: 'bob', via: b } : { res: alice, owner: 'alice', via: a };
    expect(won.res.body).toMatchObject({ name, owner: won.owner, token: expect.any(String) });
    expect(lost.res.body).toMatchObject({ error: 'locked', owner: won.owner });
    winner = { owner: won.owner, token: won.res.body.token, via: won.via };
    loser = { owner: lost.owner, via: lost.via };
    await waitLockView(name, winner.owner);
  });

  it("refuses the other client's writes with 423 on every node and accepts the holder's token", async () => {
    for (const n of cluster.nodes) {
      const refused = await upload(n, name, `from ${loser.owner}`);
      expect(refused.status).toBe(423);
      expect(refused.body).toMatchObject({ error: 'locked', owner: winner.owner });
      const wrongToken = await upload(n, name, 'guess', { 'x-lock-token': 'not-the-token' });
      expect(wrongToken.status).toBe(423);
    }
    const del = await fetch(`${loser.via.url}/files/${name}`, { method: 'DELETE' });
    expect([404, 423]).toContain(del.status);
    const written = await upload(winner.via, name, `from ${winner.owner}`, { 'x-lock-token': winner.token });
    expect(written.status).toBe(201);
    await waitApplied(cluster, name, written.body.version);
  });

  it('hands the lock to the other client once the holder releases it', async () => {
    expect((await release(loser.via, name, 'not-the-token')).status).toBe(409);
    expect((await release(winner.via, name, winner.token)).status).toBe(204);
    await waitLockView(name, null);
    const taken = await acquire(loser.via, name, loser.owner, 1_500);
    expect(taken.status).toBe(201);
    const written = await upload(loser.via, name, `from ${loser.owner}`, { 'x-lock-token': taken.body.token });
    expect(written.status).toBe(201);
  });

  it('expires a lease in wall time: the leader ticks, every node agrees, the other client can lock', async () => {
    await waitLockView(name, null);
    // The expiry is a replicated entry (a tick), not only each node's clock.
    const ticked = await waitFor('the leader to tick the lease away', async () => {
      const run = (await recovery(leader)).backgroundServices.lockExpiry as ServiceRun;
      return typeof run.lastResult?.names === 'string' && run.lastResult.names.includes(name) ? run : undefined;
    });
    expect(ticked.lastError).toBeNull();
    for (const n of cluster.nodes) {
      const written = await upload(n, name, `free again via ${n.id}`);
      expect(written.status).toBe(201);
    }
    const again = await acquire(winner.via, name, winner.owner, 5_000);
    expect(again.status).toBe(201);
    expect((await release(winner.via, name, again.body.token)).status).toBe(204);
  });

  it('keeps a lease through the leader being killed', async () => {
    const held = 'shared/failover.txt';
    const grant = await acquire(followers[0] as TestNode, held, 'carol', 60_000);
    expect(grant.status).toBe(201);
    await waitLockView(held, 'carol');

    await cluster.kill(leader);
    const survivors = cluster.running();
    const next = await cluster.waitForLeader(20_000, survivors);
    expect(next.id).not.toBe(leader.id);
    await waitLockView(held, 'carol', survivors);

    for (const n of survivors) {
      const refused = await upload(n, held, 'no token');
      expect(refused.status).toBe(423);
    }
    const stolen = await acquire(next, held, 'mallory');
    expect(stolen.status).toBe(423);
    const written = await upload(next, held, 'carol writes', { 'x-lock-token': grant.body.token });
    expect(written.status).toBe(201);
    expect((await release(next, held, grant.body.token)).status).toBe(204);
    await waitLockView(held, null, survivors);
  });
});
