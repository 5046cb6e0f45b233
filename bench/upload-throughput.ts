// Upload and download MiB/s of 64 MiB files on a real 3-node cluster, through the leader and
// through a follower (which streams the upload on to the leader), against nginx PUT (WebDAV) and
// GET of files of the same size measured in the same run. Ratios are dfs/nginx. DFS and nginx
// transfers are interleaved file by file, so a change in machine load hits both sides alike.
// Prints one JSON line.
//
//   npx tsx bench/upload-throughput.ts
//   BENCH_FILES=<n> files per path (default 3); BENCH_CHUNK_SIZE=<bytes> sets the cluster's chunkSize
//   first (default: the cluster default); BENCH_CPU_PROF=<dir> profiles the nodes (bench/support/dfs.ts).
//
// Not like for like, on purpose: DFS hashes every chunk, fsyncs it on the leader and pushes it
// to both followers (which hash and fsync it too) before answering; nginx writes one copy
// without fsync. The client is node:http in this process for both.
import os from 'node:os';
import { startDfs, waitCompleteEverywhere, type BenchNode } from './support/dfs';
import { closeClients, httpDrain, httpSend, MiB, pseudoRandom, round, sha256 } from './support/load';
import { startNginx, type Nginx } from './support/nginx';
import { cpuSecondsOfAll } from './support/processes';

const FILE_BYTES = 64 * MiB;
const FILES = Math.max(1, Number(process.env.BENCH_FILES ?? 3));
const CHUNK_SIZE = process.env.BENCH_CHUNK_SIZE ? Number(process.env.BENCH_CHUNK_SIZE) : null;

interface Transfer {
  readonly files: number;
  /** Server CPU (user + system, all server processes) per MiB moved: robust to machine load. */
  readonly cpuMsPerMiB: number | null;
  readonly mib: number;
  readonly seconds: number;
  readonly mibPerSec: number;
  readonly bestFileMibPerSec: number;
}

function summarize(seconds: readonly number[], cpu: readonly number[]): Transfer {
  const total = seconds.reduce((a, b) => a + b, 0);
  const mib = (FILE_BYTES * seconds.length) / MiB;
  const cpuTotal = cpu.length === seconds.length ? cpu.reduce((a, b) => a + b, 0) : null;
  return { files: seconds.length, mib, cpuMsPerMiB: cpuTotal === null ? null : round((cpuTotal * 1000) / mib, 2), seconds: round(total, 2), mibPerSec: round(mib / total), bestFileMibPerSec: round(FILE_BYTES / MiB / Math.min(...seconds)) };
}

async function timedPut(url: string, data: Buffer, check: (status: number, text: string) => void): Promise<number> {
  const t0 = performance.now();
  const { status, text } = await httpSend(url, 'PUT', data);
  const seconds = (performance.now() - t0) / 1000;
  check(status, text);
  return seconds;
}

async function timedGet(url: string): Promise<number> {
  const t0 = performance.now();
  const { status, bytes } = await httpDrain(url);
  const seconds = (performance.now() - t0) / 1000;
  if (status !== 200 || bytes !== FILE_BYTES) throw new Error(`GET ${url}: ${status}, ${bytes} bytes (expected ${FILE_BYTES})`);
  return seconds;
}

const okNginx = (status: number, text: string): void => {
  if (status !== 201 && status !== 204) throw new Error(`nginx PUT answered ${status}: ${text.slice(0, 200)}`);
};

async function measure(): Promise<object> {
  const started = performance.now();
  const loadAverage = os.loadavg()[0] ?? 0;
  const dfs = await startDfs();
  let nginx: Nginx | { reason: string };
  try {
    nginx = await startNginx();
  } catch (err) {
    nginx = { reason: `nginx failed: ${(err as Error).message}` };
  }
  const peer = 'reason' in nginx ? null : nginx;

  const times: Record<string, number[]> = { upload_leader: [], upload_follower: [], download_leader: [], download_follower: [], nginx_put: [], nginx_get: [] };
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(times).map((k) => [k, []]));
  const push = (key: string, seconds: number): void => {
    times[key]?.push(seconds);
  };
  /** Runs `work` and records the CPU the server processes `pids` used meanwhile under `key`. */
  async function withCpu<T>(key: string, pids: readonly number[], work: () => Promise<T>): Promise<T> {
    const sum = () => cpuSecondsOfAll(pids);
    const before = await sum();
    const result = await work();
    const after = await sum();
    if (before !== null && after !== null) cpu[key]?.push(after - before);
    return result;
  }
  try {
    const dfsPids = dfs.nodes.map((n) => n.process.pid ?? -1);
    const paths: [string, BenchNode][] = [
      ['leader', dfs.leader],
      ['follower', dfs.follower],
    ];
    if (CHUNK_SIZE !== null) {
      const res = await fetch(`${dfs.leader.url}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chunkSize: CHUNK_SIZE }) });
      if (!res.ok) throw new Error(`PUT /config chunkSize answered ${res.status}: ${await res.text()}`);
    }
    // Warm-up: connections, JIT, the chunk store's fan-out directories.
    const warm = pseudoRandom('warmup', 4 * MiB);
    await httpSend(`${dfs.leader.url}/files/warmup`, 'PUT', warm);
    if (peer) await httpSend(`${peer.url}/warmup`, 'PUT', warm);

    const run = `${Date.now()}`;
    const uploaded: [string, BenchNode, string][] = [];
    for (let i = 0; i < FILES; i++) {
      for (const [label, node] of paths) {
        // Distinct content for every file, so no chunk is deduplicated against an earlier upload.
        const data = pseudoRandom(`${run}-${label}-${i}`, FILE_BYTES);
        const expected = sha256(data);
        const name = `bench/${label}-${i}.bin`;
        await withCpu(`upload_${label}`, dfsPids, async () => {
          push(
            `upload_${label}`,
            await timedPut(`${node.url}/files/${name}`, data, (status, text) => {
              if (status !== 201 || (JSON.parse(text) as { sha256?: string }).sha256 !== expected) throw new Error(`upload of ${name} via ${label}: ${status} ${text.slice(0, 200)}`);
            }),
          );
          // The next transfer starts with every follower caught up: no overlap with background
          // pushes (whose CPU counts toward this upload).
          await waitCompleteEverywhere(dfs.leader, name, dfs.nodes.length);
        });
        uploaded.push([label, node, name]);
        if (peer) push('nginx_put', await withCpu('nginx_put', [peer.pid], () => timedPut(`${peer.url}/bench/${label}-${i}.bin`, data, okNginx)));
      }
    }
    for (const [label, node, name] of uploaded) {
      push(`download_${label}`, await withCpu(`download_${label}`, dfsPids, () => timedGet(`${node.url}/files/${name}`)));
      if (peer) push('nginx_get', await withCpu('nginx_get', [peer.pid], () => timedGet(`${peer.url}/${name}`)));
    }
  } finally {
    closeClients();
    await dfs.stop();
    if (peer) await peer.stop();
  }

  const s = Object.fromEntries(Object.entries(times).filter(([, v]) => v.length > 0).map(([k, v]) => [k, summarize(v, cpu[k] ?? [])])) as Record<string, Transfer>;
  const ratio = (key: string, peerKey: string): number | null => {
    const a = s[key];
    const b = s[peerKey];
    return a && b ? round(a.mibPerSec / b.mibPerSec, 3) : null;
  };
  const result = {
    benchmark: 'upload-throughput',
    fileMiB: FILE_BYTES / MiB,
    filesPerPath: FILES,
    chunkSize: CHUNK_SIZE ?? 'cluster default',
    loadAverageAtStart: round(loadAverage, 2),
    dfs: { uploadLeader: s.upload_leader, uploadFollower: s.upload_follower, downloadLeader: s.download_leader, downloadFollower: s.download_follower },
    peer: peer ? { name: 'nginx', version: peer.version, workers: 1, put: s.nginx_put, get: s.nginx_get } : null,
    ...('reason' in nginx ? { peerReason: nginx.reason } : {}),
    ratios: peer
      ? {
          uploadLeader: ratio('upload_leader', 'nginx_put'),
          uploadFollower: ratio('upload_follower', 'nginx_put'),
          downloadLeader: ratio('download_leader', 'nginx_get'),
          downloadFollower: ratio('download_follower', 'nginx_get'),
        }
      : null,
    wallSeconds: round((performance.now() - started) / 1000, 1),
  };
  return result;
}

// One JSON line whatever happens (bench/run.ts records it): a failed run says why instead of
// aborting the whole suite.
try {
  console.log(JSON.stringify(await measure()));
} catch (err) {
  console.log(JSON.stringify({ benchmark: 'upload-throughput', error: err instanceof Error ? err.message : String(err) }));
}
