// A snapshot transfer cut midway installs nothing and is sent again (issue #11): the follower that
// receives one is killed (SIGKILL) while the contents stream into its pack, comes back, and must
// catch up from a snapshot sent anew, then serve every file by SHA-256. Real nodes, real disk.
import { createHash, randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { json, TestCluster, waitFor, type TestNode } from './harness';

const FILE_BYTES = 60_000; // inline (under 64 KiB)
const FILES = 1_000; // 60 MB: a transfer that lasts long enough to be cut
const IN_FLIGHT = 8;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let cluster: TestCluster | undefined;
afterAll(() => cluster?.stop());

async function packBytes(node: TestNode): Promise<number> {
  const dir = path.join(node.dataDir, 'inline');
  const names = await readdir(dir).catch(() => []);
  return (await Promise.all(names.map(async (name) => (await stat(path.join(dir, name)).catch(() => ({ size: 0 }))).size))).reduce((a, b) => a + b, 0);
}

describe('a snapshot transfer cut by killing its receiver', () => {
  it('installs nothing half-way; the snapshot is sent again and the follower serves every file', async () => {
    cluster = await TestCluster.start();
    const leader = await cluster.waitForLeader();
    expect((await json(`${leader.url}/config`, { method: 'PUT', body: JSON.stringify({ snapshotThreshold: 200 }) })).status).toBe(200);
    const lagging = cluster.followers(leader)[0] as TestNode;
    await cluster.kill(lagging);
    const hashes = new Map<string, string>();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < FILES) {
          const name = `cut/${next++}.bin`;
          const data = randomBytes(FILE_BYTES);
          const res = await fetch(`${leader.url}/files/${name}`, { method: 'PUT', body: data });
          expect(res.status, `${name}: ${await res.text()}`).toBe(201);
          hashes.set(name, sha256(data));
        }
      }),
    );
    const { commitIndex } = (await json<{ commitIndex: number }>(`${leader.url}/status`)).body;
    const applied = async () => (await json<{ appliedIndex: number }>(`${lagging.url}/status`)).body.appliedIndex;

    cluster.spawn(lagging);
    await cluster.waitLive(lagging);
    const before = await packBytes(lagging);
    // Killed once a sixth of the contents arrived, before the snapshot could be installed.
    await waitFor('contents to stream into the follower\'s pack', async () => (await packBytes(lagging)) > before + (FILES * FILE_BYTES) / 6, 60_000, 20);
    expect(await applied(), 'not installed yet').toBeLessThan(commitIndex);
    await cluster.kill(lagging);

    cluster.spawn(lagging);
    await cluster.waitLive(lagging);
    await waitFor(`node ${lagging.id} to apply index ${commitIndex}`, async () => (await applied()) >= commitIndex, 150_000);
    for (const [name, hash] of hashes) {
      const res = await fetch(`${lagging.url}/files/${name}`);
      expect(res.status, name).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer())), name).toBe(hash);
    }
  }, 420_000);
});
