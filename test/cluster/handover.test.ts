// A planned leadership hand-over (POST /leader/vote, as an operator or a drain before an upgrade
// does) must not fail the writes that arrive during it. The leader refuses proposals while the
// transfer is in progress; a write sent to it then — or forwarded to it by a follower — waits for
// the hand-over to end and goes to whoever leads after it.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { json, TestCluster, waitFor, type TestNode } from './harness';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** One writer per node, each writing small files (and every seventh one chunked) until stopped. */
function writeToEveryNode(nodes: readonly TestNode[]): { acked: Map<string, string>; failures: string[]; stop: () => Promise<void> } {
  const acked = new Map<string, string>();
  const failures: string[] = [];
  let stopped = false;
  let count = 0;
  const writer = async (node: TestNode): Promise<void> => {
    while (!stopped) {
      const n = ++count;
      const name = `handover/${node.id}-${n}.bin`;
      const body = randomBytes(n % 7 === 0 ? 200_000 : 500 + (n % 3_000));
      try {
        const res = await fetch(`${node.url}/files/${name}`, { method: 'PUT', body, headers: { 'idempotency-key': `handover-${n}` }, signal: AbortSignal.timeout(30_000) });
        if (res.status === 201) acked.set(name, sha256(body));
        else failures.push(`${name} to node ${node.id}: ${res.status} ${await res.text()}`);
      } catch (err) {
        failures.push(`${name} to node ${node.id}: ${String(err)}${err instanceof Error && err.cause !== undefined ? ` (${String(err.cause)})` : ''}`);
      }
    }
  };
  const loops = nodes.map((node) => writer(node));
  return {
    acked,
    failures,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe('writes during planned leadership hand-overs', () => {
  it('none fails, sent to the leader or to a follower, while leadership moves eight times', async () => {
    cluster = await TestCluster.start();
    let leader = await cluster.waitForLeader();
    const traffic = writeToEveryNode(cluster.nodes);
    await waitFor('writes before the first hand-over', () => traffic.acked.size >= 20, 30_000);
    for (let move = 0; move < 8; move++) {
      const next = cluster.followers(leader)[move % 2] as TestNode;
      const before = traffic.acked.size;
      const { status, body } = await json(`${next.url}/leader/vote`, { method: 'POST' });
      expect(status, JSON.stringify(body)).toBe(200);
      leader = await cluster.waitForLeader();
      expect(leader.id).toBe(next.id);
      await waitFor(`writes after hand-over ${move + 1}`, () => traffic.acked.size >= before + 10, 30_000);
    }
    await traffic.stop();

    expect(traffic.failures).toEqual([]);
    for (const [name, hash] of traffic.acked) {
      const res = await fetch(`${leader.url}/files/${name}`);
      expect(res.status, name).toBe(200);
      expect(sha256(new Uint8Array(await res.arrayBuffer())), name).toBe(hash);
    }
  });
});
