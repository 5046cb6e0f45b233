// Many files (issue #11): a real 3-node cluster with no files, then after 100,000 small files
// (100 B – 4 KiB of pseudo-random bytes, written through the leader with a bounded number in
// flight). At both points, for every node: resident memory (RSS, from /proc) and V8's heap in use
// (from /metrics), and the first page of `GET /files` (p50/p99 over LIST_REQUESTS requests), also
// with its replica summary (`?replicas=1`, issue #14: the Files view's sort by Replicas); then
// one follower is stopped (SIGKILL) and started again on its data directory, timed to its first
// 200 from /readyz. The nodes run the built bundle (what `npx dfs-node` runs; built when missing),
// so the memory is the server's, not TypeScript's loader's. Prints one JSON line.
//
//   npx tsx bench/many-files.ts
//   BENCH_FILES=<n> (default 100000); BENCH_CONCURRENCY=<n> (default 32);
//   BENCH_FROM_SOURCE=1 runs the nodes from source through tsx instead
//
// The bar of #11: every node ≤ 200 MiB RSS, listing p99 ≤ 50 ms, restart ≤ 2 s with the files.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { startDfs, type BenchCluster, type BenchNode } from './support/dfs';
import { rssBreakdownMiB } from './support/smaps';
import { closeClients, httpSend, MiB, percentile, pseudoRandom, round } from './support/load';
import { waitUntil } from './support/processes';

const FILES = Math.max(0, Number(process.env.BENCH_FILES ?? 100_000));
const CONCURRENCY = Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 32));
const FROM_SOURCE = process.env.BENCH_FROM_SOURCE === '1';
const LIST_REQUESTS = 200;
const MIN_BYTES = 100;
const MAX_BYTES = 4096;
/** Files per folder, so the names look like a real tree rather than one flat directory. */
const FOLDER_SIZE = 1000;

/** Resident set size of a process in MiB (Linux /proc), or null elsewhere. */
async function rssMiB(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kib === undefined ? null : round(Number(kib) / 1024);
}

/** V8 heap in use and reserved, and memory held outside it by buffers (MiB), from the node's Prometheus default metrics. */
async function heapMiB(node: BenchNode): Promise<{ heapUsedMiB: number | null; heapTotalMiB: number | null; externalMiB: number | null }> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const gauge = (name: string): number | null => {
    const bytes = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
    return bytes === undefined ? null : round(Number(bytes) / MiB);
  };
  return { heapUsedMiB: gauge('nodejs_heap_size_used_bytes'), heapTotalMiB: gauge('nodejs_heap_size_total_bytes'), externalMiB: gauge('nodejs_external_memory_bytes') };
}

/** Main- and helper-thread CPU seconds a process has used (Linux /proc, clock ticks of 10 ms), or null elsewhere. */
async function cpuSeconds(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Time in V8's collector by kind since start, and pauses of 100 ms or more, from prom-client's GC histogram (perf_hooks). */
async function gcStats(node: BenchNode): Promise<Record<string, { count: number; seconds: number; atLeast100Ms: number }>> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const out: Record<string, { count: number; seconds: number; atLeast100Ms: number }> = {};
  for (const kind of ['minor', 'major', 'incremental', 'weakcb']) {
    const value = (suffix: string, extra = ''): number => Number(new RegExp(`^nodejs_gc_duration_seconds_${suffix}\\{${extra}kind="${kind}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const count = value('count');
    if (count === 0) continue;
    out[kind] = { count, seconds: round(value('sum'), 2), atLeast100Ms: count - value('bucket', 'le="0.1",') };
  }
  return out;
}

async function listLatency(node: BenchNode, query = ''): Promise<{ p50Ms: number; p99Ms: number; items: number }> {
  const ms: number[] = [];
  let items = 0;
  for (let i = 0; i < LIST_REQUESTS; i++) {
    const t0 = performance.now();
    const res = await httpSend(`${node.url}/files${query}`, 'GET', Buffer.alloc(0));
    ms.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`GET /files on node ${node.id} answered ${res.status}`);
    if (i === 0) items = (JSON.parse(res.text) as { items: unknown[] }).items.length;
  }
  ms.sort((a, b) => a - b);
  return { p50Ms: round(percentile(ms, 50), 2), p99Ms: round(percentile(ms, 99), 2), items };
}

async function appliedIndex(node: BenchNode): Promise<number> {
  return ((await (await fetch(`${node.url}/status`)).json()) as { appliedIndex: number }).appliedIndex;
}

/** Every node has applied what the leader has: the numbers below are about the same state. */
async function waitAllApplied(cluster: BenchCluster): Promise<BenchNode> {
  const leader = await currentLeader(cluster);
  const target = await appliedIndex(leader);
  await waitUntil(`every node to apply index ${target}`, async () => (await Promise.all(cluster.nodes.map(appliedIndex))).every((i) => i >= target), 600_000);
  return leader;
}

/** SIGKILL, then start again on the same data directory: milliseconds from spawn to /readyz 200. */
async function restartMs(cluster: BenchCluster, id: number): Promise<number> {
  const old = cluster.nodes[id - 1] as BenchNode;
  const exited = new Promise<void>((resolve) => old.process.once('exit', () => resolve()));
  old.process.kill('SIGKILL');
  await exited;
  const started = performance.now();
  const node = cluster.restart(id);
  await waitUntil(`node ${id} ready after restart`, async () => (await fetch(`${node.url}/readyz`)).ok, 120_000, node.process);
  return round(performance.now() - started);
}

/** Memory and listing on every node, then a follower's restart. */
async function snapshotOf(cluster: BenchCluster): Promise<object> {
  const leader = await waitAllApplied(cluster);
  const nodes = [];
  for (const node of cluster.nodes) {
    nodes.push({ node: node.id, role: node === leader ? 'leader' : 'follower', rssMiB: await rssMiB(node.process.pid), rssBreakdownMiB: await rssBreakdownMiB(node.process.pid), ...(await heapMiB(node)), gc: await gcStats(node), list: await listLatency(node), listWithReplicas: await listLatency(node, '?replicas=1') });
  }
  const follower = cluster.nodes.find((n) => n !== leader) as BenchNode;
  const restartToReadyMs = await restartMs(cluster, follower.id);
  // The restarted node counts too ("every node"): its memory once ready, and again after it served the listings.
  const restarted = cluster.nodes[follower.id - 1] as BenchNode;
  const rssAtReadyMiB = await rssMiB(restarted.process.pid);
  const list = await listLatency(restarted);
  return { nodes, restarted: follower.id, restartToReadyMs, afterRestart: { rssAtReadyMiB, list, rssAfterListingMiB: await rssMiB(restarted.process.pid), rssBreakdownMiB: await rssBreakdownMiB(restarted.process.pid), ...(await heapMiB(restarted)) } };
}

/** The highest term any node reports. */
async function currentTerm(cluster: BenchCluster): Promise<number> {
  const terms = await Promise.all(cluster.nodes.map(async (n) => ((await (await fetch(`${n.url}/leader`)).json()) as { term: number }).term));
  return Math.max(...terms);
}

/** The node every node names as leader, once they agree. */
async function currentLeader(cluster: BenchCluster): Promise<BenchNode> {
  let leader: BenchNode | undefined;
  await waitUntil('one leader every node reports', async () => {
    const views = await Promise.all(cluster.nodes.map(async (n) => ((await (await fetch(`${n.url}/leader`)).json()) as { leaderId: number | null }).leaderId));
    leader = cluster.nodes.find((n) => n.id === views[0]);
    return leader !== undefined && views.every((v) => v === leader?.id);
  }, 60_000);
  return leader as BenchNode;
}

/**
 * Writes `count` files through the leader, CONCURRENCY at a time; sizes spread evenly over
 * MIN..MAX. A write refused because leadership moved (421/503) is sent again to the new leader, as
 * a client would; those are counted, since each one means the cluster lost its leader under load.
 */
async function writeFiles(cluster: BenchCluster, count: number): Promise<{ seconds: number; opsPerSec: number; bytes: number; leaderRetries: number }> {
  let next = 0;
  let bytes = 0;
  let leaderRetries = 0;
  let leader = await currentLeader(cluster);
  const started = performance.now();
  const put = async (name: string, body: Buffer): Promise<void> => {
    for (;;) {
      const target = leader;
      const res = await httpSend(`${target.url}/files/${name}`, 'PUT', body).catch(() => ({ status: 0, text: 'connection failed' }));
      if (res.status === 201) return;
      if (res.status !== 421 && res.status !== 503 && res.status !== 0) throw new Error(`PUT ${name} answered ${res.status}: ${res.text.slice(0, 200)}`);
      leaderRetries += 1;
      if (leader === target) leader = await currentLeader(cluster);
    }
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const size = MIN_BYTES + ((i * 7919) % (MAX_BYTES - MIN_BYTES + 1));
        const name = `many/d${String(Math.floor(i / FOLDER_SIZE)).padStart(3, '0')}/f${String(i).padStart(6, '0')}.bin`;
        await put(name, pseudoRandom(name, size));
        bytes += size;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds: round(seconds), opsPerSec: round(count / seconds), bytes, leaderRetries };
}

async function measure(): Promise<object> {
  const started = performance.now();
  const loadAverage = os.loadavg()[0] ?? 0;
  const cluster = await startDfs(3, { bundle: !FROM_SOURCE });
  try {
    const empty = await snapshotOf(cluster);
    const termBefore = await currentTerm(cluster);
    const cpuBefore = await Promise.all(cluster.nodes.map((n) => cpuSeconds(n.process.pid)));
    const written = await writeFiles(cluster, FILES);
    await waitAllApplied(cluster);
    const cpuAfter = await Promise.all(cluster.nodes.map((n) => cpuSeconds(n.process.pid)));
    // A leader change a forwarding follower hid from the client shows as a new term.
    const termsDuringWrites = (await currentTerm(cluster)) - termBefore;
    // CPU per write summed over the nodes (their helper threads included), from the first write to the last apply.
    const cpuSecondsPerNode = cpuAfter.map((after, i) => (after === null || cpuBefore[i] == null ? null : round(after - (cpuBefore[i] as number), 2)));
    const cpuMsPerWrite = cpuSecondsPerNode.every((s) => s !== null) && FILES > 0 ? round((cpuSecondsPerNode as number[]).reduce((a, b) => a + b, 0) * 1000 / FILES, 3) : null;
    const full = await snapshotOf(cluster);
    return {
      benchmark: 'many-files',
      files: FILES,
      sizes: `${MIN_BYTES}–${MAX_BYTES} B`,
      concurrency: CONCURRENCY,
      nodesRun: FROM_SOURCE ? 'source through tsx' : 'bundle',
      loadAverageAtStart: round(loadAverage, 2),
      write: { ...written, MiB: round(written.bytes / MiB), cpuSecondsPerNode, cpuMsPerWrite, termsDuringWrites },
      atZeroFiles: empty,
      atAllFiles: full,
      targets: { rssMiB: 200, listP99Ms: 50, restartMs: 2000 },
      wallSeconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    await cluster.stop();
    closeClients();
  }
}

// One JSON line whatever happens (bench/run.ts records it): a failed run says why.
try {
  console.log(JSON.stringify(await measure()));
} catch (err) {
  console.log(JSON.stringify({ benchmark: 'many-files', error: err instanceof Error ? err.message : String(err) }));
}
