// Where one small write's cost goes (issue #11): 100-byte PUTs one at a time (or BENCH_CONCURRENCY
// in flight) on a real 3-node cluster, via the leader and then via a follower, and per node what
// each write cost: CPU (user, system), system calls (reads, writes), context switches (voluntary:
// the process slept and was woken; involuntary: preempted), from /proc before and after each phase.
// Not a target (that is bench/small-writes.ts against etcd); the breakdown bench/README.md's Small writes
// section records. Prints one JSON line.
//
//   npx tsx bench/small-write-costs.ts
//   BENCH_SECONDS=<s> per phase (default 6); BENCH_CONCURRENCY=<n> (default 1);
//   BENCH_CPU_PROF=<dir>: every node under --cpu-prof (summarise with bench/support/cpuprofile-top.ts);
//   BENCH_VIA=leader|follower: that phase only (one phase per profile);
//   BENCH_IDLE_SECONDS=<s>: how long the idle cluster is measured first (default 4; 0: not at all);
//   DFS_RELAY_SMALL_WRITES=0: followers forward small writes over HTTP (the nodes inherit it);
//   BENCH_WARMUP_WRITES=<n> through the leader and as many through a follower at 16 in flight before
//   anything is measured (default 8000, 0: none), each within BENCH_WARMUP_SECONDS=<s> (default 30):
//   without it the first phase measured the nodes' JIT compilation (small-writes.ts says more).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { startDfs, type BenchNode } from './support/dfs';
import { closedLoop, round, warmUp } from './support/load';

const PHASE_MS = Math.max(1, Number(process.env.BENCH_SECONDS ?? 6)) * 1000;
const CONCURRENCY = Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 1));
const WARMUP_MS = 1000;
const VIA = (process.env.BENCH_VIA ?? 'leader,follower').split(',');
const IDLE_MS = Math.max(0, Number(process.env.BENCH_IDLE_SECONDS ?? 4)) * 1000;
const WARMUP_WRITES = Math.max(0, Number(process.env.BENCH_WARMUP_WRITES ?? 8000));
const WARMUP_CAP_MS = Math.max(0, Number(process.env.BENCH_WARMUP_SECONDS ?? 30)) * 1000;
/** Lets a fresh cluster finish starting (its first ticks, JIT warm-up) before the idle window. */
const SETTLE_MS = 2000;

interface Counters {
  readonly userMs: number;
  readonly systemMs: number;
  readonly reads: number;
  readonly writes: number;
  readonly voluntary: number;
  readonly involuntary: number;
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

async function counters(pid: number): Promise<Counters> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const io = await readFile(`/proc/${pid}/io`, 'utf8');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  // /proc/<pid>/stat after the command: state is field 0, utime 11, stime 12 (all threads).
  return {
    userMs: Number(stat[11]) * TICK_MS,
    systemMs: Number(stat[12]) * TICK_MS,
    reads: field(io, 'syscr'),
    writes: field(io, 'syscw'),
    // Summed over the process's threads would need /proc/<pid>/task/*; the main thread's are what a write's hand-offs cost.
    voluntary: field(status, 'voluntary_ctxt_switches'),
    involuntary: field(status, 'nonvoluntary_ctxt_switches'),
  };
}

function perWrite(before: Counters, after: Counters, ops: number) {
  const per = (key: keyof Counters) => round((after[key] - before[key]) / ops, 2);
  return { cpuMs: round((after.userMs + after.systemMs - before.userMs - before.systemMs) / ops, 2), userMs: per('userMs'), systemMs: per('systemMs'), reads: per('reads'), writes: per('writes'), voluntary: per('voluntary'), involuntary: per('involuntary') };
}

/**
 * What the cluster costs with no writes at all (ticks, heartbeats, gauges), per node and second:
 * at one in flight a share of each write's CPU is this background, spread over few writes.
 */
async function idleCost(nodes: readonly BenchNode[]) {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const pids = nodes.map((n) => n.process.pid as number);
  const before = await Promise.all(pids.map(counters));
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const after = await Promise.all(pids.map(counters));
  const perSecond = (i: number, keys: readonly (keyof Counters)[]) =>
    round((keys.reduce((sum, key) => sum + (after[i] as Counters)[key] - (before[i] as Counters)[key], 0) * 1000) / IDLE_MS, 1);
  const perNode = nodes.map((n, i) => ({ node: n.id, cpuMsPerSec: perSecond(i, ['userMs', 'systemMs']), readsPerSec: perSecond(i, ['reads']), writesPerSec: perSecond(i, ['writes']) }));
  return { seconds: IDLE_MS / 1000, cpuMsPerSec: round(perNode.reduce((sum, n) => sum + n.cpuMsPerSec, 0), 1), perNode };
}

async function phase(nodes: readonly BenchNode[], via: BenchNode, label: string, idleCpuMsPerSec: number | null) {
  const body = randomBytes(100);
  const put = async (worker: number, seq: number) => {
    const res = await fetch(`${via.url}/files/costs-${label}/w${worker}-${seq}`, { method: 'PUT', body });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`PUT answered ${res.status}`);
  };
  await closedLoop(CONCURRENCY, WARMUP_MS, (w, s) => put(w, -1 - s));
  const pids = nodes.map((n) => n.process.pid as number);
  const before = await Promise.all(pids.map(counters));
  const load = await closedLoop(CONCURRENCY, PHASE_MS, put);
  const after = await Promise.all(pids.map(counters));
  const perNode = nodes.map((n, i) => ({ node: n.id, ...perWrite(before[i] as Counters, after[i] as Counters, load.ops) }));
  // The idle cluster's CPU over this phase's length, per write: the part of cpuMsPerWrite the writes did not cause.
  const backgroundMsPerWrite = idleCpuMsPerSec === null || load.ops === 0 ? null : round((idleCpuMsPerSec * PHASE_MS) / 1000 / load.ops, 2);
  return { via: label, errors: load.errors, firstError: load.firstError, opsPerSec: load.opsPerSec, p50Ms: load.p50Ms, p99Ms: load.p99Ms, cpuMsPerWrite: round(perNode.reduce((sum, n) => sum + n.cpuMs, 0), 2), backgroundMsPerWrite, perNode };
}

async function main(): Promise<void> {
  const loadAtStart = round(os.loadavg()[0] as number, 1);
  const cluster = await startDfs(3);
  try {
    const roles = Object.fromEntries(cluster.nodes.map((n) => [n.id, n === cluster.leader ? 'leader' : n === cluster.follower ? 'follower (via)' : 'follower']));
    const body = randomBytes(100);
    const warmupWrites: Record<string, number> = {};
    for (const [label, node] of [['leader', cluster.leader], ['follower', cluster.follower]] as const) {
      warmupWrites[label] = await warmUp(16, WARMUP_WRITES, WARMUP_CAP_MS, async (w, s) => {
        const res = await fetch(`${node.url}/files/warmup-${label}/w${w}-${s}`, { method: 'PUT', body });
        await res.arrayBuffer();
      });
    }
    const idle = IDLE_MS > 0 ? await idleCost(cluster.nodes) : null;
    const phases = [];
    if (VIA.includes('leader')) phases.push(await phase(cluster.nodes, cluster.leader, 'leader', idle?.cpuMsPerSec ?? null));
    if (VIA.includes('follower')) phases.push(await phase(cluster.nodes, cluster.follower, 'follower', idle?.cpuMsPerSec ?? null));
    const relay = process.env.DFS_RELAY_SMALL_WRITES !== '0';
    console.log(JSON.stringify({ benchmark: 'small-write-costs', concurrency: CONCURRENCY, phaseSeconds: PHASE_MS / 1000, warmupWrites, loadAverageAtStart: loadAtStart, loadAverageAtEnd: round(os.loadavg()[0] as number, 1), relay, roles, idle, phases }));
  } finally {
    await cluster.stop();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
