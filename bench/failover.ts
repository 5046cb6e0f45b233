// Failover time on a real 3-node cluster: kill -9 the leader, then time until a write sent to a
// survivor is acknowledged. Every 25 ms a 1 KiB write goes to each survivor, without waiting for
// the earlier ones, and the first acknowledgement ends the round; the killed
// node then restarts and the cluster settles (every member up, one leader all agree on) before the
// next kill. The same rounds on a 3-member etcd cluster with its defaults, interleaved kill by kill
// so machine load hits both sides. Ratios are dfs/etcd (below 1: DFS fails over faster).
// Prints one JSON line.
//
//   npx tsx bench/failover.ts
//   BENCH_KILLS=<n> kills of each (default 20)
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { startDfs, type BenchCluster } from './support/dfs';
import { etcdPut, startEtcd, type Etcd } from './support/etcd';
import { percentile, round } from './support/load';
import { waitUntil } from './support/processes';

const KILLS = Math.max(1, Number(process.env.BENCH_KILLS ?? 20));
const ATTEMPT_TIMEOUT_MS = 5_000;
const ATTEMPT_EVERY_MS = 25;
const VALUE_BYTES = 1024;

/** What a round needs from a cluster, whichever system it is. */
interface Subject {
  readonly members: number;
  /** The member every live member names as leader, or null while they disagree or have none. */
  agreedLeader(): Promise<number | null>;
  kill(member: number): void;
  restart(member: number): void;
  /** Resolves when the write is acknowledged (committed); throws otherwise. */
  write(member: number, key: string): Promise<void>;
}

interface RoundResult {
  readonly ms: number;
  /** Writes answered with an error before the first acknowledgement (all survivors counted). */
  readonly failedWrites: number;
}

function dfsSubject(dfs: BenchCluster): Subject {
  const leaderOf = async (index: number): Promise<number | null> => {
    const node = dfs.nodes[index];
    const res = await fetch(`${node?.url}/leader`, { signal: AbortSignal.timeout(1_000) });
    return ((await res.json()) as { leaderId: number | null }).leaderId;
  };
  return {
    members: dfs.nodes.length,
    async agreedLeader() {
      const views = await Promise.all(dfs.nodes.map((_, i) => leaderOf(i).catch(() => null)));
      const first = views[0] ?? null;
      return first !== null && views.every((v) => v === first) ? first - 1 : null;
    },
    kill: (member) => dfs.nodes[member]?.process.kill('SIGKILL'),
    restart: (member) => void dfs.restart(member + 1),
    async write(member, key) {
      const res = await fetch(`${dfs.nodes[member]?.url}/files/${key}`, {
        method: 'PUT',
        body: randomBytes(VALUE_BYTES),
        headers: { 'content-type': 'application/octet-stream' },
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`PUT ${key} answered ${res.status}: ${text.slice(0, 200)}`);
    },
  };
}

function etcdSubject(etcd: Etcd): Subject {
  const statusOf = async (url: string): Promise<{ self?: string; leader?: string }> => {
    const res = await fetch(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    return { self: body.header?.member_id, leader: body.leader };
  };
  const value = randomBytes(VALUE_BYTES);
  return {
    members: etcd.urls.length,
    async agreedLeader() {
      const views = await Promise.all(etcd.urls.map((url) => statusOf(url).catch(() => ({}) as { self?: string; leader?: string })));
      const leader = views[0]?.leader;
      if (leader === undefined || leader === '0' || !views.every((v) => v.leader === leader)) return null;
      const index = views.findIndex((v) => v.self === leader);
      return index < 0 ? null : index;
    },
    kill: (member) => process.kill(etcd.pids[member] ?? -1, 'SIGKILL'),
    restart: (member) => etcd.restart(member),
    write: (member, key) => etcdPut(etcd.urls[member] ?? '', key, value, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)),
  };
}

async function settledLeader(subject: Subject): Promise<number> {
  const seen = { leader: null as number | null };
  await waitUntil('one leader every member names', async () => (seen.leader = await subject.agreedLeader()) !== null, 60_000);
  if (seen.leader === null) throw new Error('no leader');
  return seen.leader;
}

/** One kill: the time from SIGKILL of the leader to the first write a survivor acknowledges. */
async function oneKill(subject: Subject, label: string, n: number): Promise<RoundResult> {
  const leader = await settledLeader(subject);
  await subject.write(leader, `${label}/warm-${n}`);
  const survivors = Array.from({ length: subject.members }, (_, i) => i).filter((i) => i !== leader);
  let failedWrites = 0;
  const acknowledged = new AbortController();
  subject.kill(leader);
  const start = performance.now();
  // A new write every ATTEMPT_EVERY_MS whatever happened to the last, so a write that hangs (etcd
  // holds one proposed while there is no leader) cannot hide a later one acknowledged at once.
  const firstAck = new Promise<void>((resolve) => {
    let seq = 0;
    const attempt = (): void => {
      if (acknowledged.signal.aborted) return;
      for (const member of survivors) {
        subject.write(member, `${label}/after-kill-${n}-${member}-${seq}`).then(resolve, () => {
          if (!acknowledged.signal.aborted) failedWrites += 1;
        });
      }
      seq += 1;
      setTimeout(attempt, ATTEMPT_EVERY_MS);
    };
    attempt();
  });
  await firstAck;
  acknowledged.abort();
  const ms = performance.now() - start;
  subject.restart(leader);
  await settledLeader(subject);
  return { ms: round(ms, 1), failedWrites };
}

function summary(rounds: readonly RoundResult[]): object {
  const ms = rounds.map((r) => r.ms).sort((a, b) => a - b);
  const failed = rounds.map((r) => r.failedWrites).sort((a, b) => a - b);
  return {
    kills: rounds.length,
    medianMs: round(percentile(ms, 50), 1),
    p95Ms: round(percentile(ms, 95), 1),
    maxMs: round(ms[ms.length - 1] ?? Number.NaN, 1),
    medianFailedWrites: percentile(failed, 50),
    roundsMs: rounds.map((r) => r.ms),
  };
}

async function measure(): Promise<object> {
  const started = performance.now();
  const loadAverage = os.loadavg()[0] ?? 0;
  const dfs = await startDfs();
  const etcd = await startEtcd(3).catch((err: unknown) => ({ reason: `etcd failed: ${(err as Error).message}` }));
  const peer = 'reason' in etcd ? null : etcd;
  const dfsRounds: RoundResult[] = [];
  const etcdRounds: RoundResult[] = [];
  try {
    const subjects = { dfs: dfsSubject(dfs), etcd: peer ? etcdSubject(peer) : null };
    for (let n = 0; n < KILLS; n++) {
      dfsRounds.push(await oneKill(subjects.dfs, 'failover', n));
      if (subjects.etcd) etcdRounds.push(await oneKill(subjects.etcd, 'failover', n));
    }
  } finally {
    await dfs.stop();
    if (peer) await peer.stop();
  }
  const dfsSummary = summary(dfsRounds) as { medianMs: number; p95Ms: number };
  const etcdSummary = peer ? (summary(etcdRounds) as { medianMs: number; p95Ms: number }) : null;
  return {
    benchmark: 'failover',
    op: `kill -9 of the leader → first acknowledged ${VALUE_BYTES} B write at a survivor (a write to each survivor every ${ATTEMPT_EVERY_MS} ms, whether or not the last one answered)`,
    loadAverageAtStart: round(loadAverage, 2),
    dfs: dfsSummary,
    peer: peer && etcdSummary ? { name: 'etcd', version: peer.version, members: peer.members, settings: 'defaults (heartbeat 100 ms, election 1000 ms)', ...etcdSummary } : null,
    ...('reason' in etcd ? { peerReason: etcd.reason } : {}),
    ratios: etcdSummary ? { median: round(dfsSummary.medianMs / etcdSummary.medianMs, 3), p95: round(dfsSummary.p95Ms / etcdSummary.p95Ms, 3) } : null,
    wallSeconds: round((performance.now() - started) / 1000, 1),
  };
}

// One JSON line whatever happens (bench/run.ts records it): a failed run says why.
try {
  console.log(JSON.stringify(await measure()));
} catch (err) {
  console.log(JSON.stringify({ benchmark: 'failover', error: err instanceof Error ? err.message : String(err) }));
}
