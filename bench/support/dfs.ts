// A real 3-node DFS cluster for benchmarks: dfs-node processes started the way the cluster tests'
// harness starts them (free loopback ports, temp data directories), plus optional profiling.
// With BENCH_CPU_PROF=<dir> every node runs under `node --cpu-prof` and is stopped with SIGTERM
// so the profiles get written (summarise them with bench/support/cpuprofile-top.ts).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, stopProcess, waitUntil } from './processes';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliPath = path.join(repoRoot, 'node-runtime/node/cli.ts');
/** What `npx dfs-node` runs once built: the node bundled into one file, no TypeScript loader. */
const bundlePath = path.join(repoRoot, 'packages/dfs-node/dist/dfs-node.mjs');

export interface StartOptions {
  /** Also serve S3 (credentials BENCH_S3). */
  readonly s3?: boolean;
  /**
   * Run the bundle, built afresh from these sources (what `npx dfs-node` runs), or the sources
   * through tsx (false). Default: the bundle, unless BENCH_FROM_SOURCE=1.
   */
  readonly bundle?: boolean;
}

/** BENCH_NODE_FLAGS: Node flags for every node (space-separated), to compare settings such as V8's heap sizing. */
function extraNodeFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

/** The node's entry point and the Node flags it needs. */
function nodeEntry(bundle: boolean): string[] {
  if (!bundle) return ['--import', 'tsx', cliPath];
  // Always rebuilt: a bundle left from older sources would measure the wrong code.
  const built = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/build.js'), 'package'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error(`building ${bundlePath} failed (${built.status})`);
  return [bundlePath];
}

/** The S3 credentials of a cluster started with `{ s3: true }`. */
export const BENCH_S3 = { accessKey: 'bench-key', secretKey: 'bench-secret-key' } as const;

export interface BenchNode {
  readonly id: number;
  readonly url: string;
  /** The node's S3 endpoint, when the cluster was started with `{ s3: true }`. */
  readonly s3Url: string | null;
  readonly process: ChildProcess;
}

export interface BenchCluster {
  /** The live view: a restarted node replaces its entry. */
  readonly nodes: readonly BenchNode[];
  readonly leader: BenchNode;
  readonly follower: BenchNode;
  /** Starts node `id` again with its data directory (after a kill), replacing its entry in `nodes`. */
  restart(id: number): BenchNode;
  stop(): Promise<void>;
}

/** Starts the cluster; a failed start (e.g. a port taken between freePort and listen) is retried once. */
export async function startDfs(count = 3, options: StartOptions = {}): Promise<BenchCluster> {
  const entry = nodeEntry(options.bundle ?? process.env.BENCH_FROM_SOURCE !== '1');
  try {
    return await startOnce(count, options.s3 ?? false, entry);
  } catch (err) {
    process.stderr.write(`cluster start failed (${(err as Error).message}); retrying once\n`);
    return startOnce(count, options.s3 ?? false, entry);
  }
}

async function startOnce(count: number, s3: boolean, entry: readonly string[]): Promise<BenchCluster> {
  const profDir = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : null;
  if (profDir) await mkdir(profDir, { recursive: true });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-dfs-'));
  const ports: { http: number; peer: number; s3: number | null }[] = [];
  for (let i = 0; i < count; i++) ports.push({ http: await freePort(), peer: await freePort(), s3: s3 ? await freePort() : null });
  const clusterFlag = ports.map((p, i) => `${i + 1},127.0.0.1:${p.peer}`).join(';');
  const nodes: BenchNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => stopProcess(n.process, 10_000)));
    if (!process.env.KEEP_BENCH_CLUSTER) await rm(dir, { recursive: true, force: true });
  };
  const spawnNode = (index: number): BenchNode => {
    const p = ports[index] as { http: number; peer: number; s3: number | null };
    // Default profile names (CPU.<date>.<time>.<pid>.<thread>.<seq>): the tsx loader's worker
    // thread writes a profile too; the main thread's is thread 0.
    const nodeArgs = [...extraNodeFlags(), ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [])];
    const args = [...nodeArgs, ...entry, '--node', String(index), '--http', `127.0.0.1:${p.http}`, '--cluster', clusterFlag, '--data-dir', path.join(dir, `node-${index + 1}`)];
    if (p.s3 !== null) args.push('--s3', `127.0.0.1:${p.s3}`);
    const child = startProcess(process.execPath, args, path.join(dir, `node-${index + 1}.log`), {
      cwd: repoRoot,
      env: { ...process.env, DFS_CLUSTER_SECRET: 'bench-secret', LOG_LEVEL: 'info', DFS_S3_ACCESS_KEY: BENCH_S3.accessKey, DFS_S3_SECRET_KEY: BENCH_S3.secretKey },
    });
    const node = { id: index + 1, url: `http://127.0.0.1:${p.http}`, s3Url: p.s3 === null ? null : `http://127.0.0.1:${p.s3}`, process: child };
    nodes[index] = node;
    return node;
  };
  const restart = (id: number): BenchNode => spawnNode(id - 1);
  try {
    for (const index of ports.keys()) spawnNode(index);
    for (const n of nodes) await waitUntil(`node ${n.id} to be ready`, async () => (await fetch(`${n.url}/readyz`)).ok, 30_000, n.process);
    let leaderId = 0;
    await waitUntil(
      'one leader every node reports',
      async () => {
        const views = await Promise.all(nodes.map(async (n) => ((await (await fetch(`${n.url}/leader`)).json()) as { leaderId: number | null }).leaderId));
        leaderId = views[0] ?? 0;
        return leaderId > 0 && views.every((v) => v === leaderId);
      },
      30_000,
    );
    const leader = nodes.find((n) => n.id === leaderId);
    const follower = nodes.find((n) => n.id !== leaderId);
    if (!leader || !follower) throw new Error('no leader/follower');
    if (profDir) {
      const roles = nodes.map((n) => ({ node: n.id, pid: n.process.pid, role: n === leader ? 'leader' : n === follower ? 'follower (the one requests go through)' : 'follower' }));
      await writeFile(path.join(profDir, `nodes-${Date.now()}.json`), `${JSON.stringify(roles, null, 2)}\n`);
    }
    return { nodes, leader, follower, restart, stop };
  } catch (err) {
    // Say why: the last lines each node logged (e.g. a port taken between freePort and listen).
    for (const n of nodes) {
      const log = await readFile(path.join(dir, `node-${n.id}.log`), 'utf8').catch(() => '');
      process.stderr.write(`--- node ${n.id} log (last lines) ---\n${log.split('\n').slice(-6).join('\n')}\n`);
    }
    await stop();
    throw err;
  }
}

/** Waits until every node holds every chunk of `name` (pushes to the last follower go on after the 201). */
export async function waitCompleteEverywhere(node: BenchNode, name: string, nodes: number, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    `${name} complete on ${nodes} nodes`,
    async () => {
      const res = await fetch(`${node.url}/fileinfo?name=${encodeURIComponent(name)}`);
      if (!res.ok) return false;
      const info = (await res.json()) as { completeOn?: unknown[] };
      return (info.completeOn?.length ?? 0) >= nodes;
    },
    timeoutMs,
  );
}
