// etcd as the metadata peer: `members` etcd processes (3 by default, the same replication as a
// 3-node DFS cluster) on free loopback ports with temp data directories, written to through the
// v3 HTTP/JSON gateway so the client overhead matches the DFS client's (fetch, JSON).
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startProcess, stopProcess, waitUntil, which } from './processes';

export interface Etcd {
  /** Client URLs, one per member; the first is the one benchmarks write to. */
  readonly urls: readonly string[];
  readonly version: string;
  readonly members: number;
  /** The live view: a restarted member replaces its entry. */
  readonly pids: readonly number[];
  /** Starts member `index` (0-based) again with its data directory, after a kill. */
  restart(index: number): void;
  stop(): Promise<void>;
}

export async function startEtcd(members = 3): Promise<Etcd | { reason: string }> {
  const binary = which('etcd');
  if (!binary) return { reason: 'etcd is not installed (apt-get install -y etcd-server)' };
  const version = /etcd Version: (\S+)/.exec(spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? 'unknown';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-etcd-'));
  const ports: { client: number; peer: number }[] = [];
  for (let i = 0; i < members; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const initialCluster = ports.map((p, i) => `e${i + 1}=http://127.0.0.1:${p.peer}`).join(',');
  const children: ChildProcess[] = [];
  const urls = ports.map((p) => `http://127.0.0.1:${p.client}`);
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => stopProcess(c)));
    await rm(dir, { recursive: true, force: true });
  };
  const pids: number[] = [];
  const spawnMember = (i: number): void => {
    const p = ports[i] as { client: number; peer: number };
    const name = `e${i + 1}`;
    children[i] = startProcess(
      binary,
      [
        '--name', name,
        '--data-dir', path.join(dir, name),
        '--listen-client-urls', urls[i] ?? '',
        '--advertise-client-urls', urls[i] ?? '',
        '--listen-peer-urls', `http://127.0.0.1:${p.peer}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`,
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', path.basename(dir),
        '--logger', 'zap',
        '--log-level', 'warn',
      ],
      path.join(dir, `${name}.log`),
    );
    pids[i] = children[i]?.pid ?? -1;
  };
  try {
    for (const i of ports.keys()) spawnMember(i);
    for (const [i, url] of urls.entries()) {
      await waitUntil(`etcd member ${i + 1} to be healthy`, async () => {
        const res = await fetch(`${url}/health`);
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      }, 20_000, children[i]);
    }
  } catch (err) {
    await stop();
    return { reason: `etcd did not start: ${(err as Error).message}` };
  }
  return { urls, version, members, pids, restart: spawnMember, stop };
}

/** One put through the gateway; throws unless etcd answered 200 with a header (a committed write). */
export async function etcdPut(url: string, key: string, value: Buffer, signal?: AbortSignal): Promise<void> {
  const res = await fetch(`${url}/v3/kv/put`, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: Buffer.from(key).toString('base64'), value: value.toString('base64') }),
  });
  const body = (await res.json()) as { header?: unknown; error?: string };
  if (!res.ok || body.header === undefined) throw new Error(`etcd put answered ${res.status}: ${body.error ?? JSON.stringify(body)}`);
}
