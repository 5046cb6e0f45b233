// Start-up time of an empty single-member node: process spawn → first 200 from /readyz (a leader
// is known and this node applied up to it), for the installed package's bundle (what an operator
// runs; built if missing) and, from source, through tsx (what `npx dfs-node` cost before the
// bundle). The peer is a single-member etcd, spawn → first 200 from /health, interleaved run by
// run. Issue #18's bar: ≤ 1 s for the bundle. Prints one JSON line.
//
//   npx tsx bench/startup.ts
//   BENCH_RUNS=<n> starts of each (default 10)
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, round } from './support/load';
import { freePort, startProcess, stopProcess, which } from './support/processes';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 10));
const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = path.join(root, 'packages/dfs-node/dist/dfs-node.mjs');
const POLL_MS = 5;

type Launch = (dir: string, http: number, peer: number) => { child: ChildProcess; probe: string };

async function timeToReady(launch: Launch): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-startup-'));
  const started = performance.now();
  const { child, probe } = launch(dir, await freePort(), await freePort());
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}; see ${dir}/out.log`);
      const ok = await fetch(probe).then((r) => r.status === 200, () => false);
      if (ok) return performance.now() - started;
      if (performance.now() - started > 30_000) throw new Error(`not ready after 30 s (${probe})`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}

const nodeArgs = (dir: string, http: number, peer: number) => ['--node', '0', '--http', `127.0.0.1:${http}`, '--cluster', `1,127.0.0.1:${peer}`, '--data-dir', path.join(dir, 'node-1')];

const bundled: Launch = (dir, http, peer) => ({
  child: startProcess(process.execPath, [bundle, ...nodeArgs(dir, http, peer)], path.join(dir, 'out.log'), { env: { ...process.env, DFS_CLUSTER_SECRET: 'bench' } }),
  probe: `http://127.0.0.1:${http}/readyz`,
});

const fromSource: Launch = (dir, http, peer) => ({
  child: startProcess(process.execPath, ['--import', 'tsx', path.join(root, 'node-runtime/node/cli.ts'), ...nodeArgs(dir, http, peer)], path.join(dir, 'out.log'), { cwd: root, env: { ...process.env, DFS_CLUSTER_SECRET: 'bench' } }),
  probe: `http://127.0.0.1:${http}/readyz`,
});

function etcdLaunch(binary: string): Launch {
  return (dir, client, peer) => ({
    child: startProcess(binary, ['--data-dir', path.join(dir, 'etcd'), '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`, '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `default=http://127.0.0.1:${peer}`, '--log-level', 'warn', '--logger', 'zap'], path.join(dir, 'out.log')),
    probe: `http://127.0.0.1:${client}/health`,
  });
}

function summary(ms: number[]): { medianMs: number; p95Ms: number; maxMs: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { medianMs: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)), maxMs: round(sorted[sorted.length - 1] ?? 0) };
}

async function main(): Promise<void> {
  if (!existsSync(bundle)) spawnSync(process.execPath, [path.join(root, 'scripts/build.js'), 'package'], { stdio: 'inherit' });
  const etcdBinary = which('etcd');
  const times: Record<'bundle' | 'source' | 'etcd', number[]> = { bundle: [], source: [], etcd: [] };
  for (let i = 0; i < RUNS; i++) {
    times.bundle.push(await timeToReady(bundled));
    times.source.push(await timeToReady(fromSource));
    if (etcdBinary) times.etcd.push(await timeToReady(etcdLaunch(etcdBinary)));
  }
  const bundleStats = summary(times.bundle);
  const etcdStats = etcdBinary ? summary(times.etcd) : null;
  console.log(JSON.stringify({
    bench: 'startup',
    runs: RUNS,
    bundle: bundleStats,
    source: summary(times.source),
    peer: etcdStats ? { name: 'etcd, 1 member, spawn → /health 200', ...etcdStats } : null,
    ratioBundleToEtcd: etcdStats ? round(bundleStats.medianMs / etcdStats.medianMs, 2) : null,
    loadAverage: os.loadavg()[0],
  }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
