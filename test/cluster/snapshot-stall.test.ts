// A snapshot sent to a follower must not cost the leader its term (issue #11). A follower that
// fell behind a compaction (here: killed while the leader writes many small files, with a small
// snapshot threshold so the log moves past it) comes back and needs the whole state. While it is
// sent, the leader keeps its term, keeps answering, and keeps acknowledging writes; then the
// follower serves every file, verified by SHA-256. Real nodes, real disk, real HTTP.
//
// The probe measures the leader's longest answer to GET /leader during the send: a proxy for the
// longest hold of its event loop. RSS growth of the leader and the follower is printed beside it
// (the numbers in storage/README.md's Snapshots paragraph come from this test).
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { json, TestCluster, waitFor, type TestNode } from './harness';

const FILES = Number(process.env.SNAPSHOT_STALL_FILES ?? 30_000);
const FILE_BYTES = Number(process.env.SNAPSHOT_STALL_FILE_BYTES ?? 2048);
const IN_FLIGHT = 64;
/** Entries between snapshots: the leader's log moves past the killed follower many times over. */
const SNAPSHOT_THRESHOLD = 2_000;
/** A write takes longer than this only if the leader stopped acknowledging (an election is 1 s). */
const WRITE_TIMEOUT_MS = 10_000;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let cluster: TestCluster | undefined;
afterAll(() => cluster?.stop());

async function rssMiB(node: TestNode): Promise<number> {
  const status = await readFile(`/proc/${node.process?.pid ?? -1}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

/**
 * PUT, sent once more when the connection fails before an answer (a pooled keep-alive socket the
 * node had just closed: seen at load 20+); any answer but 201 is returned as it is.
 */
async function put(node: TestNode, name: string, data: Uint8Array<ArrayBuffer>, timeoutMs = WRITE_TIMEOUT_MS): Promise<Response> {
  const send = () => fetch(`${node.url}/files/${name}`, { method: 'PUT', body: data, signal: AbortSignal.timeout(timeoutMs) });
  return send().catch((err: Error) => (err.name === 'TimeoutError' ? Promise.reject(err) : send()));
}

async function writeFiles(leader: TestNode, prefix: string, count: number, hashes: Map<string, string>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const name = `${prefix}/${next++}.bin`;
      const data = randomBytes(FILE_BYTES);
      // Filling the state is not what is measured: at load 40 a write here took over 10 s.
      const res = await put(leader, name, data, 60_000);
      if (res.status !== 201) throw new Error(`PUT ${name}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      hashes.set(name, sha256(data));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/** Until stopped: the leader's terms, its longest answer, writes acknowledged and the longest one, RSS peaks. */
function watchLeader(leader: TestNode, lagging: TestNode, hashes: Map<string, string>) {
  const seen = { terms: new Set<number>(), maxAnswerMs: 0, writes: 0, maxWriteMs: 0, failures: [] as string[], leaderRssMiB: 0, laggingRssMiB: 0 };
  let running = true;
  const probe = (async () => {
    while (running) {
      const started = performance.now();
      const view = (await (await fetch(`${leader.url}/leader`, { signal: AbortSignal.timeout(30_000) })).json()) as { term: number; leaderId: number | null };
      seen.maxAnswerMs = Math.max(seen.maxAnswerMs, performance.now() - started);
      seen.terms.add(view.term);
      if (view.leaderId !== leader.id) seen.failures.push(`node ${leader.id} saw leader ${view.leaderId}`);
      seen.leaderRssMiB = Math.max(seen.leaderRssMiB, await rssMiB(leader));
      seen.laggingRssMiB = Math.max(seen.laggingRssMiB, await rssMiB(lagging).catch(() => 0));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; running; i++) {
      const name = `during/${w}-${i}.bin`;
      const data = randomBytes(FILE_BYTES);
      const started = performance.now();
      const res = await put(leader, name, data).catch((err: Error) => err);
      if (res instanceof Error) seen.failures.push(`${name}: ${res.message}`);
      else if (res.status !== 201) seen.failures.push(`${name}: ${res.status} ${await res.text()}`);
      else {
        await res.arrayBuffer();
        hashes.set(name, sha256(data));
        seen.writes += 1;
        seen.maxWriteMs = Math.max(seen.maxWriteMs, performance.now() - started);
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all([probe, ...writers]);
      return seen;
    },
  };
}

describe('a snapshot of many small files sent to a follower', () => {
  it('leaves the leader its term and its writes; the follower then serves every file', async () => {
    cluster = await TestCluster.start();
    let leader = await cluster.waitForLeader();
    expect((await json(`${leader.url}/config`, { method: 'PUT', body: JSON.stringify({ snapshotThreshold: SNAPSHOT_THRESHOLD }) })).status).toBe(200);
    const lagging = cluster.followers(leader)[0] as TestNode;
    await cluster.kill(lagging);
    const hashes = new Map<string, string>();
    await writeFiles(leader, 'many', FILES, hashes);
    leader = await cluster.waitForLeader();
    const before = (await json<{ term: number }>(`${leader.url}/leader`)).body.term;
    const { commitIndex, snapshotIndex } = (await json<{ commitIndex: number; snapshotIndex: number }>(`${leader.url}/status`)).body;
    expect(snapshotIndex, 'the leader compacted its log past the killed follower').toBeGreaterThan(SNAPSHOT_THRESHOLD);
    const rssBefore = { leader: await rssMiB(leader) };

    const started = performance.now();
    cluster.spawn(lagging);
    await cluster.waitLive(lagging);
    const watch = watchLeader(leader, lagging, hashes);
    let caughtUp = false;
    try {
      await waitFor(
        `node ${lagging.id} to apply index ${commitIndex}`,
        async () => (await json<{ appliedIndex: number }>(`${lagging.url}/status`)).body.appliedIndex >= commitIndex,
        240_000,
      );
      caughtUp = true;
    } finally {
      const seen = await watch.stop();
      const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
      console.log(
        `snapshot of ${FILES} files of ${FILE_BYTES} B: caught up ${caughtUp} in ${Math.round(performance.now() - started)} ms (load ${load}); ` +
          `leader's longest answer ${Math.round(seen.maxAnswerMs)} ms, terms ${[...seen.terms].join(',')}; ` +
          `${seen.writes} writes, longest ${Math.round(seen.maxWriteMs)} ms, ${seen.failures.length} failures; ` +
          `RSS peak leader ${seen.leaderRssMiB.toFixed(0)} MiB (+${(seen.leaderRssMiB - rssBefore.leader).toFixed(0)}), follower ${seen.laggingRssMiB.toFixed(0)} MiB`,
      );
      expect(seen.failures.slice(0, 5)).toEqual([]);
      expect([...seen.terms], 'the leader kept its term while the snapshot was sent').toEqual([before]);
      expect(seen.writes, 'writes were acknowledged while the snapshot was sent').toBeGreaterThan(0);
    }
    const { commitIndex: last } = (await json<{ commitIndex: number }>(`${leader.url}/status`)).body;
    await waitFor(`node ${lagging.id} to apply the writes made during the send`, async () => (await json<{ appliedIndex: number }>(`${lagging.url}/status`)).body.appliedIndex >= last, 60_000);
    const recovery = await json<{ snapshot: { bytesTotal: number | null } }>(`${lagging.url}/recovery/status`);
    expect(recovery.body.snapshot.bytesTotal ?? 0, 'it installed a snapshot').toBeGreaterThan(0);
    // Every file from the follower itself: its reads are verified against the SHA-256 too.
    // Every file read back, as many at once as the writes went in: one after another, the reads
    // took longer than the rest of the test.
    const names = [...hashes.keys()];
    let nextRead = 0;
    const reader = async (): Promise<void> => {
      while (nextRead < names.length) {
        const name = names[nextRead++] as string;
        const res = await fetch(`${lagging.url}/files/${name}`);
        expect(res.status, name).toBe(200);
        expect(sha256(Buffer.from(await res.arrayBuffer())), name).toBe(hashes.get(name));
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, reader));
  }, 600_000);
});
