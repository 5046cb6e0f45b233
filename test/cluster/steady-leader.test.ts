// No spurious elections with a local cluster's short timeouts (issue #12): 60 s of 64 writes in
// flight change no term, nor does a follower stopped with SIGSTOP for 30 s; and a leader stopped
// long enough to be replaced wakes up to the new term without deposing the new leader.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startWithLeader, waitFor, type TestCluster, type TestNode } from './harness';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

interface LeaderView {
  readonly leaderId: number | null;
  readonly term: number;
}

async function leaderView(node: TestNode): Promise<LeaderView> {
  const res = await fetch(`${node.url}/leader`, { signal: AbortSignal.timeout(1_000) });
  return (await res.json()) as LeaderView;
}

/** Polls every node not in `paused` until stopped; returns every term it saw (and any leaderless view). */
function watchTerms(nodes: readonly TestNode[], paused: ReadonlySet<number>): { stop(): Promise<{ terms: Set<number>; leaderless: number }> } {
  const terms = new Set<number>();
  let leaderless = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const node of nodes) {
        if (paused.has(node.id)) continue;
        const view = await leaderView(node).catch(() => null);
        if (view === null) continue;
        terms.add(view.term);
        if (view.leaderId === null) leaderless += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { terms, leaderless };
    },
  };
}

/** `concurrency` writers of 1 KiB files, each to the next node not in `paused`, for `ms`. */
async function writeLoad(nodes: readonly TestNode[], paused: ReadonlySet<number>, concurrency: number, ms: number, label: string): Promise<{ ok: number; failures: string[] }> {
  const stopAt = Date.now() + ms;
  let ok = 0;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let seq = 0; Date.now() < stopAt; seq++) {
        const targets = nodes.filter((n) => !paused.has(n.id));
        const node = targets[(worker + seq) % targets.length] as TestNode;
        const res = await fetch(`${node.url}/files/${label}/w${worker}-${seq}.bin`, { method: 'PUT', body: randomBytes(1024), signal: AbortSignal.timeout(10_000) }).catch((err: Error) => err);
        if (res instanceof Error) failures.push(`node ${node.id}: ${res.message}`);
        else if (res.status !== 201) failures.push(`node ${node.id}: ${res.status} ${await res.text()}`);
        else {
          await res.arrayBuffer();
          ok += 1;
        }
      }
    }),
  );
  return { ok, failures };
}

describe('a steady leader under load and pauses', () => {
  it('keeps its term through 60 s of 64 writes in flight, then through a 30 s SIGSTOP of a follower', { timeout: 180_000 }, async () => {
    const started = await startWithLeader();
    cluster = started.cluster;
    const { leader, follower } = started;
    const before = await leaderView(leader);
    const paused = new Set<number>();

    const busy = watchTerms(cluster.nodes, paused);
    const load = await writeLoad(cluster.nodes, paused, 64, 60_000, 'load');
    const busyTerms = await busy.stop();
    expect(load.failures.slice(0, 5)).toEqual([]);
    expect(load.ok).toBeGreaterThan(100);
    expect([...busyTerms.terms]).toEqual([before.term]);
    expect(busyTerms.leaderless).toBe(0);

    paused.add(follower.id);
    follower.process?.kill('SIGSTOP');
    const stopped = watchTerms(cluster.nodes, paused);
    const whileStopped = await writeLoad(cluster.nodes, paused, 16, 30_000, 'stopped');
    follower.process?.kill('SIGCONT');
    paused.delete(follower.id);
    // The woken follower catches up on what it missed and follows the same leader, same term.
    await waitFor('the woken follower to answer', async () => (await leaderView(follower)).leaderId === leader.id, 10_000);
    await writeLoad(cluster.nodes, paused, 8, 3_000, 'after');
    const stoppedTerms = await stopped.stop();
    expect(whileStopped.failures.slice(0, 5)).toEqual([]);
    expect([...stoppedTerms.terms]).toEqual([before.term]);
    for (const node of cluster.nodes) expect(await leaderView(node)).toMatchObject({ leaderId: leader.id, term: before.term });
  });

  it('a leader stopped until it is replaced wakes up to the new term and does not depose the new leader', { timeout: 120_000 }, async () => {
    const started = await startWithLeader();
    cluster = started.cluster;
    const old = started.leader;
    old.process?.kill('SIGSTOP');
    const survivors = cluster.nodes.filter((n) => n.id !== old.id);
    const next = await cluster.waitForLeader(15_000, survivors);
    const elected = await leaderView(next);
    old.process?.kill('SIGCONT');
    await waitFor('the old leader to follow the new one', async () => (await leaderView(old)).leaderId === next.id, 10_000);
    const watch = watchTerms(cluster.nodes, new Set());
    const load = await writeLoad(cluster.nodes, new Set(), 16, 5_000, 'woken');
    const seen = await watch.stop();
    expect(load.failures.slice(0, 5)).toEqual([]);
    expect([...seen.terms]).toEqual([elected.term]);
    for (const node of cluster.nodes) expect(await leaderView(node)).toMatchObject({ leaderId: next.id, term: elected.term });
  });
});
