// What a watched folder of 100,000 files costs the manager: the first scan (every file new, so
// every file uploaded), then a rescan with nothing changed — which must hash nothing and take
// under 10 s — with the manager's RSS during each. The rescan is the scan on start of a second
// process opening the same state (a manager restart), so its RSS is its own and not what the
// first sync left on the heap. The manager's code runs in these processes; the
// cluster's file API is a stand-in in its own process (support/file-table-server.mjs), because
// putting 100,000 files through Raft would take this machine a quarter of an hour and measure the
// nodes, not the scan. Files are 100 folders × 1,000 small files. Prints one JSON line.
//
//   npx tsx bench/watched-rescan.ts
//   BENCH_FILES=<n> (default 100000; spread over 100 folders)
//   BENCH_RESCAN_HEAP_MIB=<n> caps the rescanning process's V8 heap: it fails if memory grows with the tree
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { WatchedFolder } from '../node-runtime/common/manager-api';
import { WatchedFolders } from '../electron/manager/watched/watched-folders';
import { nodeCluster } from '../electron/manager/watched/watched-remote';
import { freePort, startProcess, stopProcess, waitUntil } from './support/processes';

const FILES = Math.max(100, Number(process.env.BENCH_FILES ?? 100_000));
const FOLDERS = 100;
const MiB = 2 ** 20;

/** Highest RSS and V8 heap in use seen while `run` runs (sampled every 20 ms), in MiB. */
async function peakRss<T>(run: () => Promise<T>): Promise<{ result: T; peakMiB: number; peakHeapMiB: number }> {
  let peak = process.memoryUsage.rss();
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 20);
  try {
    const result = await run();
    sample();
    return { result, peakMiB: Math.round(peak / MiB), peakHeapMiB: Math.round(peakHeap / MiB) };
  } finally {
    clearInterval(timer);
  }
}

async function untilScanned(folders: WatchedFolders, after: number, deadlineMs: number): Promise<WatchedFolder> {
  let view: WatchedFolder | undefined;
  await waitUntil('the scan to finish with everything synced', async () => {
    view = folders.list()[0];
    return view !== undefined && view.lastScan !== null && view.lastScan.finishedAt > after && view.state === 'synced';
  }, deadlineMs);
  return view as WatchedFolder;
}

interface RescanResult {
  readonly ms: number;
  readonly files: number;
  readonly hashed: number;
  readonly startRssMiB: number;
  readonly peakRssMiB: number;
  /** V8 heap in use after a full GC, before opening and right after the scan: what the scan retains. */
  readonly heapBeforeMiB: number;
  readonly heapAfterMiB: number;
  readonly peakHeapMiB: number;
}

/** Heap in use after a full collection (the process runs with --expose-gc). */
function liveHeapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round((process.memoryUsage().heapUsed / MiB) * 10) / 10;
}

/** The second process: opens the saved folder, whose scan on start is the rescan measured. */
async function rescanOnStart(stateFile: string, url: string): Promise<RescanResult> {
  const heapBeforeMiB = liveHeapMiB();
  const startRssMiB = Math.round(process.memoryUsage.rss() / MiB);
  const folders = await WatchedFolders.open({ stateFile, cluster: nodeCluster(() => url) });
  try {
    const { result: view, peakMiB, peakHeapMiB } = await peakRss(() => untilScanned(folders, 0, 120_000));
    if (view.lastScan === null) throw new Error('no scan finished');
    const heapAfterMiB = liveHeapMiB();
    return { ms: view.lastScan.durationMs, files: view.lastScan.files, hashed: view.lastScan.hashed, startRssMiB, peakRssMiB: peakMiB, heapBeforeMiB, heapAfterMiB, peakHeapMiB };
  } finally {
    await folders.close();
  }
}

async function main(): Promise<void> {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dfs-bench-watched-')));
  const port = await freePort();
  const server = startProcess(process.execPath, [fileURLToPath(new URL('./support/file-table-server.mjs', import.meta.url))], path.join(dir, 'server.log'), { env: { ...process.env, PORT: String(port) } });
  let folders: WatchedFolders | null = null;
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitUntil('the file table', async () => (await fetch(`${url}/files`)).ok, 15_000, server);
    const root = path.join(dir, 'Tree');
    for (let f = 0; f < FOLDERS; f++) {
      const sub = path.join(root, `d${String(f).padStart(2, '0')}`);
      await mkdir(sub, { recursive: true });
      const writes: Promise<void>[] = [];
      for (let n = f; n < FILES; n += FOLDERS) writes.push(writeFile(path.join(sub, `file-${n}.txt`), `file ${n}\n`));
      await Promise.all(writes);
    }
    // Files must be older than the stillness wait, or the first scan would wait for them.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const baselineMiB = Math.round(process.memoryUsage.rss() / MiB);

    folders = await WatchedFolders.open({ stateFile: path.join(dir, 'state', 'watched-folders.json'), cluster: nodeCluster(() => url), concurrency: 16 });
    const opened = folders;
    const firstStart = Date.now();
    const first = await peakRss(async () => {
      await opened.add(root);
      await untilScanned(opened, 0, 580_000);
    });
    const firstMs = Date.now() - firstStart;

    await opened.close();
    folders = null;
    const stateFile = path.join(dir, 'state', 'watched-folders.json');
    const heapCap = process.env.BENCH_RESCAN_HEAP_MIB ? [`--max-old-space-size=${Number(process.env.BENCH_RESCAN_HEAP_MIB)}`] : [];
    const { stdout } = await promisify(execFile)(process.execPath, [...heapCap, '--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, WATCHED_RESCAN_STATE: stateFile, WATCHED_RESCAN_URL: url },
      timeout: 180_000,
    });
    const rescan = JSON.parse(stdout.trim().split('\n').pop() ?? '') as RescanResult;
    if (rescan.files !== FILES) throw new Error(`the rescan found ${rescan.files} files, not ${FILES}`);
    console.log(
      JSON.stringify({
        benchmark: 'watched-rescan',
        files: FILES,
        firstSync: { ms: firstMs, peakRssMiB: first.peakMiB, startRssMiB: baselineMiB },
        rescan: {
          ms: rescan.ms,
          hashed: rescan.hashed,
          peakRssMiB: rescan.peakRssMiB,
          startRssMiB: rescan.startRssMiB,
          liveHeapBeforeMiB: rescan.heapBeforeMiB,
          liveHeapAfterMiB: rescan.heapAfterMiB,
          peakHeapMiB: rescan.peakHeapMiB,
          heapCapMiB: heapCap.length > 0 ? Number(process.env.BENCH_RESCAN_HEAP_MIB) : null,
        },
        loadAverage: os.loadavg()[0],
      }),
    );
  } finally {
    await folders?.close();
    await stopProcess(server);
    await rm(dir, { recursive: true, force: true });
  }
}

const rescanState = process.env.WATCHED_RESCAN_STATE;
const run = rescanState === undefined ? main() : rescanOnStart(rescanState, process.env.WATCHED_RESCAN_URL ?? '').then((result) => console.log(JSON.stringify(result)));
run.catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
