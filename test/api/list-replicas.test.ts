// `GET /files?replicas=1` (issue #14): a listing page says, in few bytes, which answering members
// lack chunks of which of its files, so the Files view can sort every row by its copies. Real
// nodes, real disks: a chunk deleted from one follower's store names that follower against the
// file, a stopped node is "unanswered", small files (in the Raft log) are never named. Without the
// parameter the listing is what it always was; a bad value is a 400 that lists nothing.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileList } from '../../node-runtime/common/api-types';
import { fileListSchema } from '../../node-runtime/common/api-types';
import { chunkPath, MiB, recovery, upload, waitApplied } from '../cluster/advanced-helpers';
import { json, startWithLeader, waitFor, type TestCluster, type TestNode } from '../cluster/harness';

let cluster: TestCluster;
let leader: TestNode;

beforeAll(async () => {
  ({ cluster, leader } = await startWithLeader());
});
afterAll(async () => {
  await cluster?.stop();
});

const list = (query: string) => json<FileList & { error?: string; detail?: string }>(`${leader.url}/files?${query}`);

describe('listing with a replica summary', () => {
  it('names the files an answering member lacks chunks of, and the members that did not answer', async () => {
    const big = await upload(leader, 'rep/big.bin', randomBytes(3 * MiB));
    expect(big.status).toBe(201);
    const whole = await upload(leader, 'rep/whole.bin', randomBytes(3 * MiB));
    expect(whole.status).toBe(201);
    expect((await upload(leader, 'rep/small.txt', 'a small file rides in the log')).status).toBe(201);
    await waitApplied(cluster, 'rep/small.txt', 1);

    const plain = await list('prefix=rep/');
    expect(plain.status).toBe(200);
    expect(plain.body).not.toHaveProperty('replicas');
    // A write is acknowledged once a majority holds it: the third copy may still be arriving.
    await waitFor('every member to hold both big files', async () => Object.keys((await list('prefix=rep/&replicas=1')).body.replicas?.lacking ?? { no: [] }).length === 0);
    const healthy = await list('prefix=rep/&replicas=1');
    expect(fileListSchema.parse(healthy.body).replicas).toEqual({ members: [1, 2, 3], unanswered: [], lacking: {} });

    // Catch-up checks every applied file's chunks, and a scrub pass looks for missing ones at its
    // end: a chunk deleted before either is done would be fetched back. Wait until both are.
    await waitFor('catch-up to have checked every chunk on every node', async () => (await Promise.all(cluster.nodes.map(recovery))).every((r) => r.chunksMissing === 0 && !r.scrub.running));
    const victim = cluster.nodes.find((n) => n.id !== leader.id) as TestNode;
    const lastChunk = big.body.chunks.at(-1)?.hash as string;
    await rm(chunkPath(victim, lastChunk));
    const damaged = await list('prefix=rep/&replicas=1');
    expect(damaged.body.items.map((i) => i.name)).toEqual(['rep/big.bin', 'rep/small.txt', 'rep/whole.bin']);
    expect(damaged.body.replicas).toEqual({ members: [1, 2, 3], unanswered: [], lacking: { 'rep/big.bin': [victim.id] } });

    const other = cluster.nodes.find((n) => n.id !== leader.id && n.id !== victim.id) as TestNode;
    await cluster.kill(other);
    const down = await list('prefix=rep/&replicas=1&limit=2');
    expect(down.body.items.map((i) => i.name)).toEqual(['rep/big.bin', 'rep/small.txt']);
    expect(down.body.replicas).toEqual({ members: [1, 2, 3], unanswered: [other.id], lacking: { 'rep/big.bin': [victim.id] } });
  });

  it('refuses a bad replicas value with a 400 JSON error', async () => {
    const bad = await list('replicas=yes');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'bad_request', detail: 'replicas must be "1" (say which members lack which files) or left out' });
  });
});
