// With an inline budget set (DFS_INLINE_BUDGET_BYTES; none by default), small files ride inline
// (in their Raft entries and every node's packs) only while the state holds less than it; past it
// they take the chunk path (issue #11). Real nodes, with a 10,000-byte budget.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, TestCluster, waitFor, type TestNode } from './harness';

let cluster: TestCluster;
let leader: TestNode;

beforeAll(async () => {
  cluster = await TestCluster.start({ env: { DFS_INLINE_BUDGET_BYTES: '10000' } });
  leader = await cluster.waitForLeader();
});
afterAll(() => cluster?.stop());

/** Writes `name` through the leader; how many chunks the stored file has (0: it went inline). */
async function chunksOf(name: string, data: Uint8Array<ArrayBuffer>): Promise<number> {
  const res = await json<{ chunks: unknown[] }>(`${leader.url}/files/${name}`, { method: 'PUT', body: data });
  expect(res.status).toBe(201);
  return res.body.chunks.length;
}

describe('the inline budget', () => {
  it('inlines small files until the state holds the budget, then stores them in chunks; a delete makes room again', async () => {
    const files = new Map<string, Buffer>();
    const layout: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const data = randomBytes(4_000);
      files.set(`budget/${i}.bin`, data);
      layout.push(await chunksOf(`budget/${i}.bin`, data));
    }
    // 0, 4,000 and 8,000 bytes held before the first three: inline; 12,000 before the fourth: chunks.
    expect(layout).toEqual([0, 0, 0, 1]);
    expect((await fetch(`${leader.url}/files/budget/1.bin`, { method: 'DELETE' })).status).toBe(200);
    files.delete('budget/1.bin');
    const fifth = randomBytes(4_000);
    files.set('budget/5.bin', fifth);
    expect(await chunksOf('budget/5.bin', fifth)).toBe(0);

    for (const node of cluster.nodes) {
      for (const [name, data] of files) {
        await waitFor(`node ${node.id} to serve ${name}`, async () => {
          const res = await fetch(`${node.url}/files/${name}`);
          return res.status === 200 && Buffer.from(await res.arrayBuffer()).equals(data);
        });
      }
    }
  });
});
