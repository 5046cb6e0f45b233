// Small-file write rate on a real 3-node cluster: 1 KiB uploads with 32 in flight (a closed loop),
// through the leader and through a follower, against etcd puts of a 1 KiB value at the same
// concurrency on a 3-member etcd cluster (the same replication), through the leader member and
// through a follower member. Both clients are fetch in this process; etcd is written through its
// v3 HTTP/JSON gateway. Phases alternate dfs/etcd so a change in machine load hits both sides.
// Ratios are dfs/etcd. Prints one JSON line.
//
//   npx tsx bench/metadata-throughput.ts
//   BENCH_SECONDS=<s> per phase (default 6); BENCH_CONCURRENCY=<n> (default 32)
//
// Not like for like, on purpose: a DFS write stores a chunk durably on the leader and on a
// follower before its metadata goes through Raft; an etcd put is one Raft entry.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { startDfs } from './support/dfs';
import { etcdPut, startEtcd, type Etcd } from './support/etcd';
import { closedLoop, round, type LoadResult } from './support/load';
import { cpuSeconds } from './support/processes';

const CONCURRENCY = Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 32));
const PHASE_MS = Math.max(1, Number(process.env.BENCH_SECONDS ?? 6)) * 1000;
const WARMUP_MS = 1000;
const VALUE_BYTES = 1024;

async function dfsPut(url: string, name: string): Promise<void> {
  const res = await fetch(`${url}/files/${name}`, { method: 'PUT', body: randomBytes(VALUE_BYTES), headers: { 'content-type': 'application/octet-stream' } });
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

type PhaseResult = LoadResult & { cpuMsPerOp: number | null };

/** CPU seconds used so far by all of `pids` (null when /proc is not there). */
async function cpuOf(pids: readonly number[]): Promise<number | null> {
  let total = 0;
  for (const pid of pids) {
    const s = await cpuSeconds(pid);
    if (s === null) return null;
    total += s;
  }
  return total;
}

/** Warm-up, then the measured closed loop; also the servers' CPU (all processes) per op. */
async function phase(pids: readonly number[], op: (worker: number, seq: number) => Promise<void>): Promise<PhaseResult> {
  await closedLoop(CONCURRENCY, WARMUP_MS, (w, s) => op(w, -1 - s));
  const before = await cpuOf(pids);
  const result = await closedLoop(CONCURRENCY, PHASE_MS, op);
  const after = await cpuOf(pids);
  const cpuMsPerOp = before !== null && after !== null && result.ops > 0 ? round(((after - before) * 1000) / result.ops, 2) : null;
  return { ...result, cpuMsPerOp };
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
  const results: Record<string, PhaseResult> = {};
  const dfsPids = dfs.nodes.map((n) => n.process.pid ?? -1);
  try {
    const roles = peer ? await etcdRoles(peer) : null;
    const value = randomBytes(VALUE_BYTES);
    for (const [label, node] of [
      ['leader', dfs.leader],
      ['follower', dfs.follower],
    ] as const) {
      results[`dfs_${label}`] = await phase(dfsPids, (w, s) => dfsPut(node.url, `meta/${label}/w${w}-${s}.bin`));
      if (peer && roles) {
        const url = roles[label];
        results[`etcd_${label}`] = await phase(peer.pids, (w, s) => etcdPut(url, `meta/${label}/w${w}-${s}`, value));
      }
    }
  } finally {
    await dfs.stop();
    if (peer) await peer.stop();
  }

  const ratio = (a?: PhaseResult, b?: PhaseResult): number | null => (a && b && b.opsPerSec > 0 ? round(a.opsPerSec / b.opsPerSec, 3) : null);
  const result = {
    benchmark: 'metadata-throughput',
    op: `PUT /files/<name> of ${VALUE_BYTES} B (etcd: put of a ${VALUE_BYTES} B value)`,
    concurrency: CONCURRENCY,
    phaseSeconds: PHASE_MS / 1000,
    loadAverageAtStart: round(loadAverage, 2),
    dfs: { leader: results.dfs_leader, follower: results.dfs_follower },
    peer: peer ? { name: 'etcd', version: peer.version, members: peer.members, client: 'fetch → /v3/kv/put', leader: results.etcd_leader, follower: results.etcd_follower } : null,
    ...('reason' in etcd ? { peerReason: etcd.reason } : {}),
    ratios: peer ? { leader: ratio(results.dfs_leader, results.etcd_leader), follower: ratio(results.dfs_follower, results.etcd_follower) } : null,
    wallSeconds: round((performance.now() - started) / 1000, 1),
  };
  return result;
}

// One JSON line whatever happens (bench/run.ts records it): a failed run says why instead of
// aborting the whole suite.
try {
  console.log(JSON.stringify(await measure()));
} catch (err) {
  console.log(JSON.stringify({ benchmark: 'metadata-throughput', error: err instanceof Error ? err.message : String(err) }));
}
