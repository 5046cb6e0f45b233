// Small writes (issue #11): 100-byte uploads on a real 3-node cluster at 1, 16 and 64 in flight
// (closed loops), through the leader and through a follower, against etcd puts of a 100-byte value
// on a 3-member etcd cluster (the same replication), through its leader and through a follower
// member. Both clients are fetch in this process; etcd is written through its v3 HTTP/JSON gateway.
// Phases alternate dfs/etcd so a change in machine load hits both sides. Besides ops/s and p99,
// each phase reports the servers' CPU per write, summed over all three nodes (members), from
// /proc/<pid>/stat before and after. Ratios are dfs/etcd. Prints one JSON line.
//
//   npx tsx bench/small-writes.ts
//   BENCH_SECONDS=<s> per phase (default 5); BENCH_CONCURRENCY=<n,n,...> (default 1,16,64);
//   BENCH_VALUE_BYTES=<n> (default 100); BENCH_WARMUP_WRITES=<n> per system and path before the first
//   phase (default 8000, 0: none), each path within BENCH_WARMUP_SECONDS=<s> (default 30)
//   The nodes run the bundle `npx dfs-node` runs, rebuilt each run (since session 12; before, the
//   sources through tsx); BENCH_FROM_SOURCE=1 runs the sources.
//
// Before the first phase each system takes BENCH_WARMUP_WRITES writes through its leader and as
// many through a follower at 16 in flight, unmeasured: the nodes' JavaScript is compiled while it
// runs, and without this the first row measured that (session 11: 1 in flight through the leader,
// after the phase's own 1 s warm-up, 289 writes/s in the first phase and 452 when the same phase ran
// again right after; etcd, compiled ahead of time, 548 and 563). By count, not time (session 13):
// V8 optimises after enough calls, and the 5 s this was before (2.5 s a path) left a leader at load
// 11 compiling through the first phase — a fifth of its CPU in TurboFan's threads, 3.35 ms of CPU a
// write against 1.6–1.9 after 30 s of warm-up, 59 writes/s against 131–173.
//
// The goal of #11: ops/s ratio ≥ 1.0 and p99 ≤ etcd's at every concurrency, CPU per write < 1 ms.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { startDfs, type BenchCluster } from './support/dfs';
import { etcdPut, startEtcd, type Etcd } from './support/etcd';
import { closedLoop, round, warmUp, type LoadResult } from './support/load';
import { cpuSecondsOfAll } from './support/processes';

const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map((c) => Math.max(1, Number(c)));
const PHASE_MS = Math.max(1, Number(process.env.BENCH_SECONDS ?? 5)) * 1000;
const WARMUP_MS = 1000;
const WARMUP_WRITES = Math.max(0, Number(process.env.BENCH_WARMUP_WRITES ?? 8000));
const WARMUP_CAP_MS = Math.max(0, Number(process.env.BENCH_WARMUP_SECONDS ?? 30)) * 1000;
const VALUE_BYTES = Math.max(1, Number(process.env.BENCH_VALUE_BYTES ?? 100));
const ROLES = ['leader', 'follower'] as const;

async function dfsPut(url: string, name: string, body: Uint8Array<ArrayBuffer>): Promise<void> {
  const res = await fetch(`${url}/files/${name}`, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`PUT ${name} answered ${res.status}: ${text.slice(0, 200)}`);
}

/** The etcd members' client URLs, the leader's first. */
async function etcdRoles(etcd: Etcd): Promise<{ leader: string; follower: string }> {
  const views = await Promise.all(
    etcd.urls.map(async (url) => {
      const res = await fetch(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}' });
      const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
      return { url, self: body.header?.member_id, leader: body.leader };
    }),
  );
  const leader = views.find((v) => v.self !== undefined && v.self === v.leader)?.url;
  const follower = views.find((v) => v.url !== leader)?.url;
  if (!leader || !follower) throw new Error(`no etcd leader: ${JSON.stringify(views)}`);
  return { leader, follower };
}

type PhaseResult = LoadResult & { cpuMsPerWrite: number | null };

/** The highest term any DFS node reports: a rise during a phase is a leader lost under its load (a forwarding follower hides it from the client). */
async function highestTerm(cluster: BenchCluster): Promise<number> {
  const terms = await Promise.all(cluster.nodes.map(async (n) => ((await (await fetch(`${n.url}/leader`)).json()) as { term: number }).term));
  return Math.max(...terms);
}


/** Warm-up, then the measured closed loop; also the servers' CPU (all processes) per write. */
async function phase(concurrency: number, pids: readonly number[], op: (worker: number, seq: number) => Promise<void>): Promise<PhaseResult> {
  await closedLoop(concurrency, WARMUP_MS, (w, s) => op(w, -1 - s));
  const before = await cpuSecondsOfAll(pids);
  const result = await closedLoop(concurrency, PHASE_MS, op);
  const after = await cpuSecondsOfAll(pids);
  const cpuMsPerWrite = before !== null && after !== null && result.ops > 0 ? round(((after - before) * 1000) / result.ops, 2) : null;
  return { ...result, cpuMsPerWrite };
}

interface Row {
  readonly concurrency: number;
  readonly via: (typeof ROLES)[number];
  readonly dfs: PhaseResult & { newTerms: number };
  readonly etcd: PhaseResult | null;
  /** dfs ops/s ÷ etcd ops/s (goal ≥ 1) and dfs p99 ÷ etcd p99 (goal ≤ 1). */
  readonly ratio: { opsPerSec: number; p99: number } | null;
}

async function measure(): Promise<object> {
  const started = performance.now();
  const loadAverage = os.loadavg()[0] ?? 0;
  const dfs = await startDfs();
  let etcd: Etcd | { reason: string };
  try {
    etcd = await startEtcd(3);
  } catch (err) {
    etcd = { reason: `etcd failed: ${(err as Error).message}` };
  }
  const peer = 'reason' in etcd ? null : etcd;
  const rows: Row[] = [];
  const dfsPids = dfs.nodes.map((n) => n.process.pid ?? -1);
  const warmupWrites = { dfs: { leader: 0, follower: 0 }, etcd: { leader: 0, follower: 0 } };
  try {
    const roles = peer ? await etcdRoles(peer) : null;
    const value = randomBytes(VALUE_BYTES);
    for (const via of ROLES) {
      const url = (via === 'leader' ? dfs.leader : dfs.follower).url;
      warmupWrites.dfs[via] = await warmUp(16, WARMUP_WRITES, WARMUP_CAP_MS, (w, s) => dfsPut(url, `warmup/${via}/w${w}-${s}.bin`, randomBytes(VALUE_BYTES)));
      if (peer && roles) warmupWrites.etcd[via] = await warmUp(16, WARMUP_WRITES, WARMUP_CAP_MS, (w, s) => etcdPut(roles[via], `warmup/${via}/w${w}-${s}`, value));
    }
    for (const concurrency of CONCURRENCIES) {
      for (const via of ROLES) {
        const url = (via === 'leader' ? dfs.leader : dfs.follower).url;
        const termBefore = await highestTerm(dfs);
        const measured = await phase(concurrency, dfsPids, (w, s) => dfsPut(url, `small/c${concurrency}/${via}/w${w}-${s}.bin`, randomBytes(VALUE_BYTES)));
        const dfsResult = { ...measured, newTerms: (await highestTerm(dfs)) - termBefore };
        const etcdResult = peer && roles ? await phase(concurrency, peer.pids, (w, s) => etcdPut(roles[via], `small/c${concurrency}/${via}/w${w}-${s}`, value)) : null;
        const ratio = etcdResult && etcdResult.opsPerSec > 0 ? { opsPerSec: round(dfsResult.opsPerSec / etcdResult.opsPerSec, 3), p99: round(dfsResult.p99Ms / etcdResult.p99Ms, 2) } : null;
        rows.push({ concurrency, via, dfs: dfsResult, etcd: etcdResult, ratio });
      }
    }
  } finally {
    await dfs.stop();
    if (peer) await peer.stop();
  }
  return {
    benchmark: 'small-writes',
    op: `PUT /files/<name> of ${VALUE_BYTES} B (etcd: put of a ${VALUE_BYTES} B value)`,
    phaseSeconds: PHASE_MS / 1000,
    warmupWrites,
    nodesRun: process.env.BENCH_FROM_SOURCE === '1' ? 'source through tsx' : 'bundle',
    loadAverageAtStart: round(loadAverage, 2),
    peer: peer ? { name: 'etcd', version: peer.version, members: peer.members, client: 'fetch → /v3/kv/put' } : null,
    ...('reason' in etcd ? { peerReason: etcd.reason } : {}),
    rows,
    wallSeconds: round((performance.now() - started) / 1000, 1),
  };
}

// One JSON line whatever happens (bench/run.ts records it): a failed run says why instead of
// aborting the whole suite.
try {
  console.log(JSON.stringify(await measure()));
} catch (err) {
  console.log(JSON.stringify({ benchmark: 'small-writes', error: err instanceof Error ? err.message : String(err) }));
}
