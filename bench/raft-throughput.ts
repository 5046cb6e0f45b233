// Raft core throughput: proposals committed per second of wall-clock time, in the deterministic
// simulator with a perfect network (zero latency, no faults), three nodes, proposals in batches.
// Every node persists to a MemoryStorage and the simulator's invariant checks stay on, so the
// number covers core + the production RaftDriver (over its in-memory disk), not the core alone; it
// is for comparing one change with the next.
// Seconds are the process's CPU seconds: the simulator is single-threaded, and on a shared machine
// wall-clock time mostly measures the neighbours (wall-clock rates are reported alongside).
//
// Standalone: `npx tsx bench/raft-throughput.ts` prints one JSON line.

import { pathToFileURL } from 'node:url';
import { Cluster } from '../test/sim/cluster';
import { PERFECT_LINKS } from '../test/sim/network';
import { Prng } from '../test/sim/prng';
import { KEY_COUNT } from '../test/sim/state-machine';

export interface ThroughputOptions {
  readonly proposals: number;
  readonly batch: number;
  readonly seed: number;
  /** Measured rounds (after one warm-up round); the result is their median. */
  readonly rounds: number;
}

export interface ThroughputResult {
  readonly bench: 'raft-throughput';
  readonly nodes: number;
  readonly batch: number;
  readonly proposals: number;
  /** Per CPU second, median of the rounds. */
  readonly proposalsPerSec: number;
  readonly roundsPerSec: readonly number[];
  /** Per wall-clock second, median of the rounds. */
  readonly wallProposalsPerSec: number;
  readonly messagesPerBatch: number;
  readonly node: string;
}

const TICK = 10;
const DEFAULTS: ThroughputOptions = { proposals: 50_000, batch: 64, seed: 1, rounds: 3 };

export async function measureRaftThroughput(options: Partial<ThroughputOptions> = {}): Promise<ThroughputResult> {
  const opts = { ...DEFAULTS, ...options };
  await runRound({ ...opts, proposals: Math.min(opts.proposals, 10_000) });
  const rounds = [];
  for (let i = 0; i < opts.rounds; i++) rounds.push(await runRound(opts));
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return {
    bench: 'raft-throughput',
    nodes: 3,
    batch: opts.batch,
    proposals: opts.proposals,
    proposalsPerSec: median(rounds.map((r) => r.proposalsPerSec)),
    roundsPerSec: rounds.map((r) => r.proposalsPerSec),
    wallProposalsPerSec: median(rounds.map((r) => r.wallProposalsPerSec)),
    messagesPerBatch: Number(((rounds[0]?.messages ?? 0) / Math.ceil(opts.proposals / opts.batch)).toFixed(2)),
    node: process.version,
  };
}

/** One fresh cluster, `proposals` proposals in batches of `batch`, timed until the leader applied them all. */
async function runRound(options: ThroughputOptions): Promise<{ proposalsPerSec: number; wallProposalsPerSec: number; messages: number }> {
  const random = new Prng(options.seed);
  const ids = [1, 2, 3];
  const cluster = new Cluster(
    {
      nodeIds: ids,
      initialVoters: ids,
      raft: { electionTicks: 10, heartbeatTicks: 1, preVote: true, checkQuorum: true, maxInflightMsgs: 256, maxSizePerMsg: 1 << 20, forwardProposals: true, lazyCommitBroadcast: true },
      tickInterval: TICK,
      links: PERFECT_LINKS,
      readyDelayMax: 0,
    },
    random.fork(),
  );
  const { scheduler } = cluster;
  await cluster.run(100 * TICK, () => cluster.leader() !== undefined);
  const leader = cluster.leader();
  if (leader === undefined) throw new Error('raft-throughput: no leader after 100 ticks on a perfect network');

  let committed = 0;
  cluster.listeners = {
    applied: (node) => {
      if (node === leader.id) committed++;
    },
    readServed: () => {},
  };
  const messagesBefore = cluster.network.stats.sent;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let proposed = 0;
  while (committed < options.proposals) {
    for (let i = 0; i < options.batch && proposed < options.proposals; i++) {
      proposed++;
      if (leader.role !== 'leader') throw new Error(`raft-throughput: n${leader.id} lost the leadership at proposal ${proposed}`);
      leader.propose({ proposalId: proposed, key: proposed % KEY_COUNT });
    }
    // Zero latency: everything this batch causes (append, acks, commit, apply) happens now.
    await cluster.run(scheduler.now());
    if (proposed === options.proposals && committed < options.proposals) await cluster.run(scheduler.now() + TICK);
  }
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    proposalsPerSec: Math.round(options.proposals / cpuSeconds),
    wallProposalsPerSec: Math.round(options.proposals / wallSeconds),
    messages: cluster.network.stats.sent - messagesBefore,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await measureRaftThroughput()));
}
