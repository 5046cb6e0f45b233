// The per-node disk guard: a node whose free disk would fall below its reserve refuses new
// chunks — the leader answers 507 disk_full (from the declared Content-Length, before the body),
// a follower simply does not count toward the majority.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerToHeadOnly } from './advanced-helpers';
import { json, startWithLeader, type TestCluster, type TestNode } from './harness';

const HUGE_RESERVE = 1e15;

let cluster: TestCluster;
let leader: TestNode;
beforeAll(async () => {
  ({ cluster, leader } = await startWithLeader());
});
afterAll(async () => {
  await cluster?.stop();
});

async function setReserve(node: TestNode, bytes: number): Promise<void> {
  const res = await json<{ diskReserveBytes: { value: number; scope: string } }>(`${node.url}/config`, { method: 'PUT', body: JSON.stringify({ diskReserveBytes: bytes }) });
  expect(res.status).toBe(200);
  expect(res.body.diskReserveBytes).toMatchObject({ value: bytes, scope: 'node' });
}

describe('disk reserve', () => {
  it('the leader refuses an upload with 507 disk_full and stores nothing', async () => {
    await setReserve(leader, HUGE_RESERVE);
    const res = await json<{ error: string; detail: string }>(`${leader.url}/upload/full.bin`, { method: 'POST', body: 'x'.repeat(1000) });
    expect(res.status).toBe(507);
    expect(res.body.error).toBe('disk_full');
    expect((await json(`${leader.url}/fileinfo?name=full.bin`)).status).toBe(404);
    await setReserve(leader, 0);
  });

  it('the leader answers from the declared Content-Length alone, before any byte of the body is sent', async () => {
    await setReserve(leader, HUGE_RESERVE);
    try {
      const answer = await answerToHeadOnly(`${leader.url}/upload/declared.bin`, 100_000);
      expect(answer.status).toBe(507);
      expect(answer.body).toMatchObject({ error: 'disk_full' });
      expect((await json(`${leader.url}/fileinfo?name=declared.bin`)).status).toBe(404);
    } finally {
      await setReserve(leader, 0);
    }
  });

  // A small file sent to a follower is written there, its entry relayed to the leader through Raft
  // (services/proposal-relay.ts): the reserve that applies is the follower's, the node the client chose.
  it('a follower short of disk refuses a small file sent to it with 507 disk_full and stores nothing', async () => {
    const follower = cluster.followers(leader)[0] as TestNode;
    await setReserve(follower, HUGE_RESERVE);
    try {
      const res = await json<{ error: string }>(`${follower.url}/files/follower-full.txt`, { method: 'PUT', body: 'x'.repeat(100) });
      expect(res.status).toBe(507);
      expect(res.body.error).toBe('disk_full');
      expect((await json(`${leader.url}/fileinfo?name=follower-full.txt`)).status).toBe(404);
    } finally {
      await setReserve(follower, 0);
    }
  });

  // Chunked files only (larger than inlineMaxBytes, 64 KiB by default): a small file travels in its
  // Raft entry, which a follower cannot refuse, so for those only the leader's reserve applies (above).
  it('followers short of disk do not count toward the majority, so the write is refused', async () => {
    for (const follower of cluster.followers(leader)) await setReserve(follower, HUGE_RESERVE);
    const res = await json<{ error: string }>(`${leader.url}/upload/no-room.bin`, { method: 'POST', body: 'y'.repeat(100_000) });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('no_quorum');
    expect((await json(`${leader.url}/fileinfo?name=no-room.bin`)).status).toBe(404);

    await setReserve(cluster.followers(leader)[0] as TestNode, 0);
    const ok = await json(`${leader.url}/upload/room.bin`, { method: 'POST', body: 'z'.repeat(100_000) });
    expect(ok.status).toBe(201);
  });
});
