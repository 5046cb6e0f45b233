// Issue #11: this build's snapshots name small files' contents (format 5) and keep the bytes in the
// node's packs; the previous release (previous-release.ts) reads snapshot formats up to 4. A
// snapshot this build sends must carry the contents, so that a lagging node of the previous
// release installs it in a rolling upgrade. Real processes: three nodes of the previous release
// write small files inline (their command format 2); two are upgraded and one of them leads; the
// old one is killed, misses enough entries that the leader's log moves past it, comes back, and
// must install the leader's snapshot and serve every file with its SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, newestSnapshotFormat, TestCluster, waitFor, type TestNode } from './harness';
import { buildPreviousRelease } from './previous-release';
import { nodeProgram } from '../support/node-program';

const CURRENT = nodeProgram();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('a node of the previous release behind a leader of this build', () => {
  let work: string;
  let cluster: TestCluster;
  const upgraded = new Set<number>();
  const written = new Map<string, string>();

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dfs-previous-snap-'));
    const previous = await buildPreviousRelease(path.join(work, 'previous'));
    cluster = await TestCluster.start({ nodes: 3, command: (node) => (upgraded.has(node.id) ? CURRENT : previous) });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await rm(work, { recursive: true, force: true });
  });

  async function put(node: TestNode, name: string, data: Uint8Array<ArrayBuffer>): Promise<void> {
    const res = await json<{ chunks: unknown[] }>(`${node.url}/files/${name}`, { method: 'PUT', body: data });
    expect(res.status, name).toBe(201);
    written.set(name, sha256(data));
  }

  it('installs the snapshot it is sent, with the contents of the small files the old leader wrote inline', async () => {
    const oldLeader = await cluster.waitForLeader();
    expect((await json(`${oldLeader.url}/config`, { method: 'PUT', body: JSON.stringify({ snapshotThreshold: 20 }) })).status).toBe(200);
    for (let i = 0; i < 10; i++) await put(oldLeader, `old/inline-${i}.bin`, randomBytes(200 + i * 100));
    const info = await json<{ chunks: unknown[] }>(`${oldLeader.url}/fileinfo?name=old/inline-3.bin`);
    expect(info.body.chunks, 'the previous release wrote it inline').toEqual([]);

    // Upgrade both followers, then make one of them lead; the old leader stays the old release.
    const [a, b] = cluster.followers(oldLeader) as [TestNode, TestNode];
    for (const node of [a, b]) {
      await cluster.kill(node, 'SIGTERM');
      upgraded.add(node.id);
      cluster.spawn(node);
      await cluster.waitLive(node);
    }
    // A node takes the lead only from a leader it knows, once caught up: just restarted, it may be neither.
    const current = await cluster.waitForLeader();
    const { commitIndex } = (await json<{ commitIndex: number }>(`${current.url}/status`)).body;
    await waitFor(`node ${a.id} to know the leader and apply index ${commitIndex}`, async () => {
      const [view, status] = await Promise.all([json<{ leaderId: number | null }>(`${a.url}/leader`), json<{ appliedIndex: number }>(`${a.url}/status`)]);
      return view.body.leaderId === current.id && status.body.appliedIndex >= commitIndex;
    });
    expect((await json(`${a.url}/leader/vote`, { method: 'POST' })).status).toBe(200);
    const leader = await cluster.waitForLeader();
    expect(leader.id).toBe(a.id);

    // The old node misses far more than the log keeps behind a snapshot (threshold 20, margin 10).
    await cluster.kill(oldLeader);
    for (let i = 0; i < 60; i++) await put(leader, `new/f-${i}.txt`, randomBytes(50 + i));
    await waitFor('a snapshot on the leader that names contents (format 5)', async () => (await newestSnapshotFormat(leader)) === 5);

    cluster.spawn(oldLeader);
    await cluster.waitLive(oldLeader);
    await waitFor('the old node to install a snapshot', async () => {
      const status = await json<{ snapshot: { bytesTotal: number | null } }>(`${oldLeader.url}/recovery/status`);
      return (status.body.snapshot.bytesTotal ?? 0) > 0;
    }, 60_000);
    for (const [name, hash] of written) {
      await waitFor(`the old node to serve ${name}`, async () => (await fetch(`${oldLeader.url}/fileinfo?name=${encodeURIComponent(name)}`)).ok, 30_000);
      const res = await fetch(`${oldLeader.url}/files/${name}`);
      expect(res.status, name).toBe(200);
      expect(sha256(new Uint8Array(await res.arrayBuffer())), name).toBe(hash);
    }
    // The previous release has no snapshot path beside the stream (404): the leader fell back to the stream.
    const leaderLog = await readFile(path.join(cluster.dir, `node-${leader.id}.log`), 'utf8');
    expect(leaderLog).toContain('peer has no snapshot path');
  }, 300_000);
});
