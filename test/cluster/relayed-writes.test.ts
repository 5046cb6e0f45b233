// A small write sent to a follower is written there and its Raft entry relayed to the leader as a
// proposal (services/proposal-relay.ts, issue #11); the follower answers once it has applied the
// entry itself. These tests hold that path to the write promises on three real nodes: the answer
// is the file as applied (readable on that follower at once), a large file still goes the HTTP
// way, a refusal comes from the apply (never from the follower's possibly older state), and a
// storm through a follower whose leader is killed with SIGKILL applies every write once — an
// acknowledged one at version 1 everywhere, and no name written twice by a resent proposal; a
// proposal dropped on its way to the leader, with no leader change to resend it, is sent again;
// and a copy of a refused write that applies after the refusal's cause is gone writes nothing.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../node-runtime/common/api-types';
import { json, TestCluster, waitFor, type TestNode } from './harness';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

interface Written {
  readonly name: string;
  readonly sha256: string;
  readonly version: number;
}

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start({ faultInjection: true });
  await cluster.waitForLeader();
});
afterAll(() => cluster?.stop());

async function relayedOn(node: TestNode): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const match = /^dfs_writes_relayed (\d+)$/m.exec(text);
  if (!match) throw new Error(`node ${node.id} serves no dfs_writes_relayed`);
  return Number(match[1]);
}

/** Replaces a node's fault rules (--fault-injection): links cut both ways, and peers it stops hearing from. */
async function setFaults(node: TestNode, rules: { blockedPeers: number[]; ignoredPeers?: number[] }): Promise<void> {
  const res = await json(`${node.url}/internal/fault`, { method: 'PUT', headers: { authorization: `Bearer ${cluster.secret}`, 'content-type': 'application/json' }, body: JSON.stringify(rules) });
  expect(res.status).toBe(200);
}

const statusOf = async (node: TestNode) => (await json<NodeStatus>(`${node.url}/status`)).body;

async function put(node: TestNode, name: string, data: Uint8Array<ArrayBuffer>): Promise<{ status: number; body: Written }> {
  return json<Written>(`${node.url}/files/${name}`, { method: 'PUT', body: data });
}

describe('small writes through a follower, relayed to the leader through Raft', () => {
  it('are answered by the follower once applied there (readable there at once), and counted; a large file is forwarded over HTTP', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.followers(leader)[0] as TestNode;
    const before = await relayedOn(follower);
    const small = randomBytes(100);
    const res = await put(follower, 'relayed/small.txt', small);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ name: 'relayed/small.txt', sha256: sha256(small), version: 1 });
    expect(await relayedOn(follower)).toBe(before + 1);
    expect(await relayedOn(leader)).toBe(0);
    // Answered after its own apply: a local read on the same follower sees it without waiting.
    const read = await fetch(`${follower.url}/files/relayed/small.txt`);
    expect(read.status).toBe(200);
    expect(Buffer.from(await read.arrayBuffer()).equals(small)).toBe(true);

    const large = randomBytes(200_000);
    const forwarded = await put(follower, 'relayed/large.bin', large);
    expect(forwarded.status, JSON.stringify(forwarded.body)).toBe(201);
    expect(forwarded.body.sha256).toBe(sha256(large));
    expect(await relayedOn(follower)).toBe(before + 1);
  });

  it('are decided on the newest state, not on what the follower has applied yet: a lock released through the leader a moment ago does not refuse them', async () => {
    const leader = await cluster.waitForLeader();
    const via = cluster.followers(leader)[0] as TestNode;
    // The leader answers once it has applied; the follower applies up to a heartbeat later. Each
    // round writes through the follower at once, inside that window (the CI run that found this
    // refused a write with 507 just after the client's own delete made room).
    for (let round = 0; round < 20; round++) {
      const name = `relayed/lock-${round}.txt`;
      const acquired = await json<{ token: string }>(`${leader.url}/locks/${name}`, { method: 'POST', body: JSON.stringify({ owner: 'tester', ttlMs: 60_000 }) });
      expect(acquired.status).toBe(201);
      // Held: refused, whether or not the follower has applied the lock yet.
      expect((await put(via, name, randomBytes(10))).status).toBe(423);
      const released = await fetch(`${leader.url}/locks/${name}`, { method: 'DELETE', headers: { 'x-lock-token': acquired.body.token } });
      expect(released.status).toBe(204);
      const written = await put(via, name, randomBytes(10));
      expect(written.status, `round ${round}: ${JSON.stringify(written.body)}`).toBe(201);
    }
  });

  it('apply when their proposal is dropped on the way to the leader with no leader change: proposed again, not a 503 at the timeout', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.followers(leader)[0] as TestNode;
    // The follower's link to the leader cut both ways (--fault-injection): the proposal is dropped.
    const cut = (blockedPeers: number[]) =>
      json(`${follower.url}/internal/fault`, { method: 'PUT', headers: { authorization: `Bearer ${cluster.secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ blockedPeers }) });
    expect((await cut([leader.id])).status).toBe(200);
    const before = await relayedOn(follower);
    const small = randomBytes(100);
    const pending = put(follower, 'relayed/dropped-proposal.txt', small);
    try {
      await waitFor('the write proposed (and dropped)', async () => (await relayedOn(follower)) === before + 1);
    } finally {
      expect((await cut([])).status).toBe(200);
    }
    // Restored within milliseconds: no election, so only the relay's own retry can send it again.
    const res = await pending;
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ name: 'relayed/dropped-proposal.txt', sha256: sha256(small), version: 1 });
  });

  it('stay refused: a copy of a write refused for a lock, proposed again and applied after the lock was released, writes nothing', async () => {
    const leader = await cluster.waitForLeader();
    const via = cluster.followers(leader)[0] as TestNode;
    const name = 'relayed/refused-copy.txt';
    const acquired = await json<{ token: string }>(`${leader.url}/locks/${name}`, { method: 'POST', body: JSON.stringify({ owner: 'tester', ttlMs: 60_000 }) });
    expect(acquired.status).toBe(201);
    const proposedAgain = async () => ((await readFile(path.join(cluster.dir, `node-${via.id}.log`), 'utf8')).match(/relayed writes proposed again/g) ?? []).length;
    const againBefore = await proposedAgain();
    const base = (await statusOf(leader)).lastIndex;

    // The follower stops hearing from the leader while its proposal still reaches it: the first
    // copy applies (refused, locked) everywhere but there, and the lock is released after it.
    await setFaults(via, { blockedPeers: [], ignoredPeers: [leader.id] });
    let pending: Promise<{ status: number; body: Written }>;
    try {
      pending = put(via, name, randomBytes(100));
      await waitFor('the first copy applied on the leader', async () => (await statusOf(leader)).appliedIndex >= base + 1);
      const released = await fetch(`${leader.url}/locks/${name}`, { method: 'DELETE', headers: { 'x-lock-token': acquired.body.token } });
      expect(released.status).toBe(204);
      // Deaf to the leader long enough, the follower has no leader; hearing it again is a leader
      // change, on which it proposes its waiting write again: a second copy, after the release.
      await waitFor('the follower to lose its leader', async () => (await statusOf(via)).leaderId === null);
    } finally {
      await setFaults(via, { blockedPeers: [] });
    }
    const res = await pending;
    expect(res.status, JSON.stringify(res.body)).toBe(423);
    await waitFor('the second copy applied on every node', async () => (await Promise.all(cluster.nodes.map(statusOf))).every((st) => st.appliedIndex >= base + 3));
    expect(await proposedAgain()).toBeGreaterThan(againBefore);
    // The client was told 423: no node holds the file.
    for (const node of cluster.nodes) expect((await fetch(`${node.url}/files/${name}`)).status, `node ${node.id}`).toBe(404);
  });

  it('answer a repeat of the same Idempotency-Key with the first outcome, through either follower', async () => {
    const leader = await cluster.waitForLeader();
    const [first, second] = cluster.followers(leader) as [TestNode, TestNode];
    const body = randomBytes(64);
    const headers = { 'idempotency-key': 'relayed-repeat-1' };
    const a = await json<Written>(`${first.url}/files/relayed/repeat.txt`, { method: 'PUT', body, headers });
    const b = await json<Written>(`${second.url}/files/relayed/repeat.txt`, { method: 'PUT', body, headers });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect([a.body.version, b.body.version]).toEqual([1, 1]);
  });

  it('apply every write once when the leader is killed with SIGKILL mid-storm: acknowledged ones at version 1 on every node', async () => {
    const leader = await cluster.waitForLeader();
    const via = cluster.followers(leader)[0] as TestNode;
    const relayedBefore = await relayedOn(via);
    const acknowledged: Written[] = [];
    let done = false;
    const storm = Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; !done; i++) {
          const name = `storm/w${worker}-${i}.txt`;
          const res = await put(via, name, randomBytes(100)).catch(() => null);
          // An unanswered write (503 while the cluster elects) is the client's to retry: not counted.
          if (res?.status === 201) acknowledged.push(res.body);
        }
      }),
    );
    await waitFor('writes acknowledged before the kill', () => acknowledged.length > 100);
    await cluster.kill(leader);
    const atKill = acknowledged.length;
    await waitFor('writes acknowledged under the next leader', () => acknowledged.length > atKill + 100);
    done = true;
    await storm;
    // Relayed until the kill at least (after it, `via` may have become the leader itself).
    expect(await relayedOn(via)).toBeGreaterThan(relayedBefore + 100);
    expect(acknowledged.every((w) => w.version === 1)).toBe(true);

    cluster.spawn(leader);
    await cluster.waitLive(leader);
    const newest = Math.max(...acknowledged.map((w) => w.version));
    expect(newest).toBe(1);
    for (const node of cluster.running()) {
      for (const file of acknowledged) {
        await waitFor(`node ${node.id} to apply ${file.name}`, async () => (await json(`${node.url}/fileinfo?name=${encodeURIComponent(file.name)}`)).status === 200);
      }
      // Every name of the storm, acknowledged or not, was written once: a resent proposal whose
      // first copy had applied was answered from the request table, not applied again.
      const listing = await json<{ items: { name: string; version: number }[] }>(`${node.url}/files?prefix=storm/&limit=10000`);
      expect(listing.status).toBe(200);
      const twice = listing.body.items.filter((item) => item.version !== 1);
      expect(twice, `node ${node.id}`).toEqual([]);
      expect(listing.body.items.length).toBeGreaterThanOrEqual(acknowledged.length);
    }
  });
});
