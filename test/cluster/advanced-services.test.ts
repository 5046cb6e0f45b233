// Background services on real processes, with short GC timings from the environment: chunks no
// file references are collected on every node, shared chunks are not, an upload slower than the
// grace period keeps every chunk, crash leftovers go, and snapshots are reported.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceRun } from '../../node-runtime/services/service-runs';
import { chunkPath, holdsIntact, KiB, putConfig, recovery, sha256, upload, waitApplied, type StoredFile } from './advanced-helpers';
import { json, startWithLeader, type TestCluster, type TestNode, waitFor } from './harness';

const GRACE_MS = 1_500;

let cluster: TestCluster;
let leader: TestNode;

beforeAll(async () => {
  ({ cluster, leader } = await startWithLeader({ env: { DFS_GC_GRACE_MS: String(GRACE_MS), DFS_GC_INTERVAL_MS: '250' } }));
  expect((await putConfig(leader, { chunkSize: 64 * KiB })).status).toBe(200);
});
afterAll(async () => {
  await cluster?.stop();
});

async function gcRun(node: TestNode): Promise<ServiceRun> {
  return (await recovery(node)).backgroundServices.gc as ServiceRun;
}

async function storeEverywhere(name: string, data: Buffer): Promise<StoredFile> {
  const res = await upload(leader, name, data);
  expect(res.status).toBe(201);
  await waitApplied(cluster, name, res.body.version);
  return res.body;
}

describe('garbage collection', () => {
  it('removes the chunks of a deleted file from every node, but not chunks another file shares', async () => {
    const shared = randomBytes(100 * KiB);
    const a = await storeEverywhere('gc/a.bin', shared);
    await storeEverywhere('gc/b.bin', shared);
    const c = await storeEverywhere('gc/c.bin', randomBytes(200 * KiB));

    for (const name of ['gc/a.bin', 'gc/c.bin']) expect((await fetch(`${leader.url}/files/${name}`, { method: 'DELETE' })).status).toBe(200);
    await waitFor(
      "the deleted file's chunks to be collected on every node",
      () => cluster.nodes.every((n) => c.chunks.every((ch) => !existsSync(chunkPath(n, ch.hash)))),
      20_000,
    );
    for (const n of cluster.nodes) {
      for (const ch of a.chunks) expect(await holdsIntact(n, ch.hash)).toBe(true);
      const run = await gcRun(n);
      expect(run.lastError).toBeNull();
      expect(run.lastRunAt).not.toBeNull();
    }
    const removed = await Promise.all(cluster.nodes.map(async (n) => (await gcRun(n)).lastResult));
    expect(removed.every((r) => r !== null && r.skipped === undefined)).toBe(true);
    const b = await downloadSha(cluster.nodes[2] as TestNode, 'gc/b.bin');
    expect(b).toBe(sha256(shared));
  });

  it('never collects the chunks of an upload that takes longer than the grace period', async () => {
    const fetchedBefore = await Promise.all(cluster.nodes.map(async (n) => (await recovery(n)).chunksFetched));
    const pieces = 24;
    const piece = 64 * KiB;
    const data = randomBytes(pieces * piece);
    let sent = 0;
    // A slow client: one chunk's worth every 150 ms, about 3.6 s in all, more than twice the grace period.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === pieces) {
          controller.close();
          return;
        }
        if (sent > 0) await new Promise((resolve) => setTimeout(resolve, 150));
        controller.enqueue(data.subarray(sent * piece, (sent + 1) * piece));
        sent += 1;
      },
    });
    const started = Date.now();
    const res = await json<StoredFile>(`${leader.url}/upload/gc/slow.bin`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeGreaterThan(2 * GRACE_MS);
    expect(res.body.sha256).toBe(sha256(data));
    expect(res.body.chunks).toHaveLength(pieces);
    await waitApplied(cluster, 'gc/slow.bin', res.body.version);

    // Every node still holds every chunk it stored during the upload: none had to be fetched again.
    for (const n of cluster.nodes) for (const ch of res.body.chunks) expect(await holdsIntact(n, ch.hash)).toBe(true);
    const fetchedAfter = await Promise.all(cluster.nodes.map(async (n) => (await recovery(n)).chunksFetched));
    expect(fetchedAfter).toEqual(fetchedBefore);
    // Collection kept running meanwhile.
    for (const n of cluster.nodes) expect(Date.parse((await gcRun(n)).lastRunAt as string)).toBeGreaterThan(started);
  });

  it('removes temp files an interrupted write left behind', async () => {
    const node = cluster.nodes[1] as TestNode;
    const stray = path.join(node.dataDir, 'chunks', 'chunk.tmp-1-0123456789ab');
    await writeFile(stray, 'half a chunk');
    await waitFor('the temp file to be removed', () => !existsSync(stray), 10_000);
    expect((await readdir(path.join(node.dataDir, 'chunks'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('snapshots', () => {
  it('reports the snapshots each node takes under backgroundServices.snapshot; a snapshot is no backup (lastBackup stays null)', async () => {
    expect((await putConfig(leader, { snapshotThreshold: 10 })).status).toBe(200);
    for (let i = 0; i < 12; i++) expect((await upload(leader, `snap/${i}.txt`, `entry ${i}`)).status).toBe(201);
    for (const n of cluster.nodes) {
      const run = await waitFor(`node ${n.id} to report a snapshot`, async () => {
        const snapshot = (await recovery(n)).backgroundServices.snapshot as ServiceRun;
        return snapshot.lastResult?.kind === 'taken' ? snapshot : undefined;
      });
      expect(run.lastResult?.index).toEqual(expect.any(Number));
      expect(run.lastError).toBeNull();
      const stats = (await json<{ lastBackup: string | null }>(`${n.url}/stats`)).body;
      expect(stats.lastBackup).toBeNull();
    }
  });
});

describe('proposal counters', () => {
  it('count every committed proposal on the node that made it: a small write sent to a follower is relayed (proposed there), a large one forwarded to the leader', async () => {
    type Traffic = { traffic: { proposalsCommitted: number; proposalsFailed: number } };
    const follower = cluster.followers(leader)[0] as TestNode;
    const before = await Promise.all([leader, follower].map(async (n) => (await json<Traffic>(`${n.url}/stats`)).body.traffic));
    for (let i = 0; i < 3; i++) expect((await upload(leader, `counted/direct-${i}.txt`, `direct ${i}`)).status).toBe(201);
    // Within inlineMaxBytes: the follower proposes its entry through the leader (services/proposal-relay.ts).
    for (let i = 0; i < 2; i++) expect((await upload(follower, `counted/relayed-${i}.txt`, `relayed ${i}`)).status).toBe(201);
    // Chunked: the request itself goes to the leader, which proposes it.
    expect((await upload(follower, 'counted/forwarded.bin', randomBytes(100 * KiB))).status).toBe(201);
    const after = await Promise.all([leader, follower].map(async (n) => (await json<Traffic>(`${n.url}/stats`)).body.traffic));
    // Other work (the garbage collector, lock expiry) may propose on the leader too, never less.
    expect(after[0]!.proposalsCommitted - before[0]!.proposalsCommitted).toBeGreaterThanOrEqual(4);
    expect(after[1]!.proposalsCommitted - before[1]!.proposalsCommitted).toBe(2);
    expect(after[0]!.proposalsFailed).toBe(before[0]!.proposalsFailed);
    expect(after[1]!.proposalsFailed).toBe(before[1]!.proposalsFailed);
  });
});

async function downloadSha(node: TestNode, name: string): Promise<string> {
  return sha256(Buffer.from(await (await fetch(`${node.url}/download?name=${encodeURIComponent(name)}`)).arrayBuffer()));
}
