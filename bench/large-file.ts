// One 1 GiB file on a real 3-node cluster (issue #11), against the hardware and nginx in the same run:
//  - upload: `curl -T` of a file on disk to the leader (`PUT /files/<name>`), against the disk's
//    own durable write rate (`dd … conv=fdatasync`) divided by three, since the three replicas
//    share this one disk (target ≥ 0.75). Also the leader's RSS growth meanwhile.
//    The disk's rate is measured just before and just after the upload, and the ratio is taken
//    against their mean: on this machine one `dd` measured 280 and another 1,266 MB/s two minutes
//    apart (bench/README.md, session 9), so one sample says more about the disk's moment than the upload.
//  - download: `GET /files/<name>` from a follower (every byte verified against its SHA-256)
//    against nginx serving the same file from its disk (target ≥ 0.7), interleaved twice; curl
//    downloads both.
//  - SHA-256 on one core (node:crypto, as the nodes hash) in the same run: a download verifies
//    every byte against its SHA-256 on one worker thread, so that rate bounds it, and its ratio to
//    nginx is the most the download ratio can reach on this machine.
//  - the nodes run the bundle `npx dfs-node` runs (rebuilt from the sources each run);
//    BENCH_FROM_SOURCE=1 runs them from source through tsx, whose loader adds its own memory.
// Prints one JSON line.
//
//   npx tsx bench/large-file.ts             BENCH_LARGE_MIB=<n> (default 1024)
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { startDfs, waitCompleteEverywhere } from './support/dfs';
import { MiB, pseudoRandom, round } from './support/load';
import { startNginx } from './support/nginx';

const FILE_MIB = Math.max(64, Number(process.env.BENCH_LARGE_MIB ?? 1024));
const SEGMENT_MIB = 4;
const RSS_SAMPLE_MS = 200;
const FROM_SOURCE = process.env.BENCH_FROM_SOURCE === '1';
const run = promisify(execFile);

/** A file of FILE_MIB pseudo-random MiB, no two segments alike (nothing deduplicates). */
async function writeSource(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < FILE_MIB / SEGMENT_MIB; i++) {
    if (!out.write(pseudoRandom(`large-${i}`, SEGMENT_MIB * MiB))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The disk's durable sequential write rate, MB/s, as `dd` measures it with a final fdatasync. */
async function ddRate(dir: string): Promise<number> {
  const target = path.join(dir, 'dd.bin');
  const t0 = performance.now();
  await run('dd', ['if=/dev/zero', `of=${target}`, 'bs=1M', `count=${FILE_MIB}`, 'conv=fdatasync']);
  const seconds = (performance.now() - t0) / 1000;
  await rm(target);
  return (FILE_MIB * MiB) / 1e6 / seconds;
}

/**
 * `curl -T file url`, the PUT the issue measured; resolves with the status. A client in this
 * process cost 5 ms of CPU per MiB sent against curl's 0.5 (session 10), CPU that on 2 cores the
 * nodes (or nginx) would otherwise have.
 */
async function putFile(url: string, file: string): Promise<number> {
  const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-T', file, '-H', 'content-type: application/octet-stream', url], { encoding: 'utf8' });
  return Number(stdout);
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** Runs `work` while sampling `pid`'s RSS; the most it grew above its level at the start. */
async function withRssWatch<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const start = await rssBytes(pid);
  let peak = start;
  const timer = setInterval(() => void rssBytes(pid).then((rss) => (peak = Math.max(peak, rss)), () => undefined), RSS_SAMPLE_MS);
  try {
    const result = await work();
    return { result, growth: peak - start };
  } finally {
    clearInterval(timer);
  }
}

/** GETs `url` whole with curl (as putFile); throws unless it answers 200 with `bytes` bytes. */
async function download(url: string, bytes: number): Promise<void> {
  const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url], { encoding: 'utf8' });
  const [status, got] = stdout.split(' ').map(Number);
  if (status !== 200 || got !== bytes) throw new Error(`GET ${url} answered ${status} with ${got} of ${bytes} bytes`);
}

async function timedMBps(bytes: number, work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return bytes / 1e6 / ((performance.now() - t0) / 1000);
}

/** node:crypto's SHA-256 over 4 MiB pieces for about a second, on this thread: MB/s. */
function sha256OneCoreMBps(): number {
  const piece = pseudoRandom('sha256-rate', 4 * MiB);
  const hash = createHash('sha256');
  const t0 = performance.now();
  let bytes = 0;
  while (performance.now() - t0 < 1000) {
    hash.update(piece);
    bytes += piece.length;
  }
  hash.digest();
  return bytes / 1e6 / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-large-'));
  const nginx = await startNginx();
  if ('reason' in nginx) throw new Error(nginx.reason);
  const cluster = await startDfs(3, { bundle: !FROM_SOURCE });
  try {
    const source = path.join(dir, 'source.bin');
    await writeSource(source);
    const bytes = (await stat(source)).size;
    const diskBefore = await ddRate(dir);
    const { leader, follower } = cluster;
    let status = 0;
    const upload = await withRssWatch(leader.process.pid ?? -1, () => timedMBps(bytes, async () => (status = await putFile(`${leader.url}/files/bench/large.bin`, source))));
    if (status !== 201) throw new Error(`the upload answered ${status}`);
    await waitCompleteEverywhere(leader, 'bench/large.bin', 3, 300_000);
    const diskAfter = await ddRate(dir);
    const diskMBps = (diskBefore + diskAfter) / 2;
    if ((await putFile(`${nginx.url}/large.bin`, source)) >= 300) throw new Error('nginx refused the PUT');
    const downloads: number[] = [];
    const nginxDownloads: number[] = [];
    for (let i = 0; i < 2; i++) {
      downloads.push(await timedMBps(bytes, () => download(`${follower.url}/files/bench/large.bin`, bytes)));
      nginxDownloads.push(await timedMBps(bytes, () => download(`${nginx.url}/large.bin`, bytes)));
    }
    const downloadMBps = Math.max(...downloads);
    const nginxMBps = Math.max(...nginxDownloads);
    const sha256MBps = sha256OneCoreMBps();
    console.log(
      JSON.stringify({
        bench: 'large-file',
        fileMiB: FILE_MIB,
        nodesRun: FROM_SOURCE ? 'source through tsx' : 'bundle',
        diskFdatasyncMBps: round(diskMBps),
        diskFdatasyncBeforeAfterMBps: [round(diskBefore), round(diskAfter)],
        uploadMBps: round(upload.result),
        ratioUploadToDiskThird: round(upload.result / (diskMBps / 3), 2),
        ratioUploadToDiskThirdBeforeAfter: [round(upload.result / (diskBefore / 3), 2), round(upload.result / (diskAfter / 3), 2)],
        leaderRssGrowthMiB: round(upload.growth / MiB),
        downloadFromFollowerMBps: round(downloadMBps),
        nginxDownloadMBps: round(nginxMBps),
        ratioDownload: round(downloadMBps / nginxMBps, 2),
        sha256OneCoreMBps: round(sha256MBps),
        ratioSha256OneCoreToNginx: round(sha256MBps / nginxMBps, 2),
        loadAverage: round(os.loadavg()[0] ?? 0),
      }),
    );
  } finally {
    await cluster.stop();
    await nginx.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
