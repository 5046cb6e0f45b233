// The manager over real dfs-node processes: leader changes reach the dashboard quickly, partitions
// injected through the manager move leadership to the majority and heal, membership changes and
// leadership transfer work, and files pass through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSnapshot, ManagedNode } from '../../node-runtime/common/manager-api';
import { LOCAL_CLUSTER_TIMING } from '../../node-runtime/common/config';
import type { Manager } from '../../electron/manager/manager';
import { SseReader, startRealManager, waitFor, type ReachableManager } from '../fixtures/manager/helpers';

let started: ReachableManager | undefined;
let manager: Manager;
let base: string;
let auth: Record<string, string>;

beforeAll(async () => {
  started = await startRealManager('dfs-manager-raft-', { nodeLogLevel: 'info' });
  ({ manager, base, auth } = started);
  await waitFor('a healthy cluster', () => manager.snapshot().health === 'healthy', 90_000);
});

afterAll(async () => {
  await started?.stop();
});

function node(snapshot: ClusterSnapshot, id: number): ManagedNode {
  const found = snapshot.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`no node ${id} in the snapshot`);
  return found;
}

function post(path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function healthyLeader(): Promise<number> {
  return waitFor('a healthy cluster with a leader', () => {
    const s = manager.snapshot();
    return s.health === 'healthy' && s.leaderId !== null ? s.leaderId : undefined;
  }, 30_000);
}

describe('manager over real dfs-node', () => {
  it('passes files through to the cluster', async () => {
    await healthyLeader();
    const put = await fetch(`${base}/api/files/docs/hello.txt`, { method: 'PUT', headers: auth, body: 'hello, cluster' });
    expect(put.status).toBe(201);
    const followers = manager.snapshot().nodes.filter((n) => n.id !== manager.snapshot().leaderId);
    const follower = followers[0]?.id;
    const text = await waitFor('the file on a follower', async () => {
      const res = await fetch(`${base}/api/files/docs/hello.txt?node=${follower}`, { headers: auth });
      return res.ok ? res.text() : undefined;
    });
    expect(text).toBe('hello, cluster');
    const list = (await (await fetch(`${base}/api/files`, { headers: auth })).json()) as { items: { name: string }[] };
    expect(list.items.map((i) => i.name)).toContain('docs/hello.txt');
    // This manager was not asked to keep watched folders (the app's main process does that).
    expect((await fetch(`${base}/api/watched-folders`, { headers: auth })).status).toBe(409);
  });

  it('passes configuration changes through, and every node reports them', async () => {
    await healthyLeader();
    const put = await fetch(`${base}/api/config`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ lockDefaultTtlMs: 45_000 }) });
    expect(put.status, await put.clone().text()).toBe(200);
    await waitFor('the new setting on every node', () => manager.snapshot().nodes.every((n) => n.report?.config?.lockDefaultTtlMs?.value === 45_000));
    const bad = await fetch(`${base}/api/config`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ lockDefaultTtlMs: -1 }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'config_invalid' });
  });

  it('reports a new leader over SSE within 2 s of killing the leader', async () => {
    const oldLeader = await healthyLeader();
    // The manager's nodes run on loopback, so they get a local cluster's short timeouts and
    // campaign as soon as the killed leader's connections close: failover itself takes a few
    // hundred ms, and what this test measures is the manager noticing and streaming it.
    expect(manager.snapshot().nodes.every((n) => n.report?.config?.electionTimeout?.value === LOCAL_CLUSTER_TIMING.electionTimeout)).toBe(true);
    const sse = await SseReader.open(`${base}/api/events?logs=0`, auth);
    try {
      await sse.next('snapshot', () => true);
      const killedAt = Date.now();
      expect((await post(`/api/nodes/${oldLeader}/kill`)).status).toBe(202);
      const change = await sse.next('leaderChange', (c) => c.leaderId !== null && c.leaderId !== oldLeader, 10_000);
      expect(change.at - killedAt).toBeLessThan(2_000);
      await sse.next('snapshot', (s) => node(s, oldLeader).process?.state === 'running' && s.health === 'healthy', 60_000);
    } finally {
      await sse.close();
    }
  });

  it('moves leadership to the majority when the leader is isolated, and repairs the old leader after healing', async () => {
    const oldLeader = await healthyLeader();
    const others = manager.snapshot().nodes.map((n) => n.id).filter((id) => id !== oldLeader);
    const termBefore = node(manager.snapshot(), oldLeader).report?.status.term ?? 0;
    expect((await post('/api/partition', { groups: [[oldLeader], others] })).status).toBe(200);
    expect(node(manager.snapshot(), oldLeader).partitionedFrom).toEqual(others);

    const newLeader = await waitFor('a leader on the majority side', () => {
      const s = manager.snapshot();
      return s.leaderId !== null && others.includes(s.leaderId) && s.inQuorum.length === 2 ? s.leaderId : undefined;
    }, 30_000);
    expect(manager.snapshot().health).toBe('degraded');
    // The majority keeps taking writes while the old leader is cut off.
    const put = await fetch(`${base}/api/files/during-partition.txt?node=${newLeader}`, { method: 'PUT', headers: auth, body: 'written by the majority' });
    expect(put.status).toBe(201);

    expect((await fetch(`${base}/api/partition`, { method: 'DELETE', headers: auth })).status).toBe(200);
    const repaired = await waitFor('the old leader following with the log repaired', () => {
      const s = manager.snapshot();
      const old = node(s, oldLeader).report?.status;
      const leader = s.leaderId === null ? undefined : node(s, s.leaderId).report?.status;
      return s.health === 'healthy' && old && leader && old.role === 'follower' && old.term === leader.term && old.appliedIndex >= leader.commitIndex && old.lastIndex === leader.lastIndex ? old : undefined;
    }, 30_000);
    expect(repaired.term).toBeGreaterThan(termBefore);
    const copy = await waitFor('the partition-time file on the old leader', async () => {
      const res = await fetch(`${base}/api/files/during-partition.txt?node=${oldLeader}`, { headers: auth });
      return res.ok ? res.text() : undefined;
    });
    expect(copy).toBe('written by the majority');
  });

  it('transfers leadership to a chosen node', async () => {
    const leader = await healthyLeader();
    const target = manager.snapshot().nodes.find((n) => n.id !== leader)?.id as number;
    expect((await post(`/api/nodes/${target}/leadership`)).status).toBe(202);
    await waitFor(`node ${target} leading`, () => manager.snapshot().leaderId === target && manager.snapshot().health === 'healthy', 30_000);
  });

  it('adds a node to the running cluster and removes it again', async () => {
    await healthyLeader();
    const added = await post('/api/nodes');
    expect(added.status, await added.clone().text()).toBe(201);
    const { id } = (await added.json()) as { id: number };
    expect(id).toBe(4);
    await waitFor('four voters in quorum', () => manager.snapshot().inQuorum.length === 4 && manager.snapshot().health === 'healthy', 60_000);
    expect(manager.snapshot().faultTolerance).toBe(1);

    const removed = await fetch(`${base}/api/nodes/${id}`, { method: 'DELETE', headers: auth });
    expect(removed.status).toBe(200);
    expect(manager.snapshot().nodes.map((n) => n.id)).toEqual([1, 2, 3]);
    await waitFor('three voters, healthy', () => manager.snapshot().inQuorum.length === 3 && manager.snapshot().health === 'healthy', 30_000);
  });
});
