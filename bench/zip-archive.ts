// What a "Download as zip" of many small files costs the manager's CPU: zipArchive over 10,000
// and 100,000 entries (5-byte files served from memory, so the zip writer and the per-file checks
// are all that is measured), read to the end and checked against the announced length. The
// target is linear work: CPU per entry at the larger count within 1.5× of the smaller count's
// (yazl 3.3.1 scanned every earlier entry for each one: 100,000 entries took ~50 s). Prints one
// JSON line.
//
//   npx tsx bench/zip-archive.ts
//   BENCH_ZIP_ENTRIES=<small>,<large> (default 10000,100000)
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ArchivePlan } from '../electron/manager/clusters/archive-plan';
import { zipArchive } from '../electron/manager/clusters/zip-archive';

const [SMALL = 10_000, LARGE = 100_000] = (process.env.BENCH_ZIP_ENTRIES ?? '').split(',').filter((n) => n !== '').map(Number);
const BODY = Buffer.from('hello');
const SHA256 = createHash('sha256').update(BODY).digest('hex');

function planOf(count: number): ArchivePlan {
  const entries = Array.from({ length: count }, (_, i) => ({ name: `d${i % 100}/file-${i}.txt`, path: `d${i % 100}/file-${i}.txt`, size: BODY.length, sha256: SHA256, modifiedAt: '2026-12-06T10:00:00.000Z' }));
  return { entries, bytes: count * BODY.length, fileName: 'bench.zip' };
}

async function cpuOfZip(count: number): Promise<{ entries: number; cpuS: number; wallS: number; bytes: number }> {
  const plan = planOf(count);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const zip = zipArchive(plan, async () => Readable.from([BODY]));
  let bytes = 0;
  for await (const piece of zip.output) bytes += (piece as Buffer).length;
  if (bytes !== zip.size) throw new Error(`the zip came out ${bytes} bytes long, announced ${zip.size}`);
  const used = process.cpuUsage(cpu);
  return { entries: count, cpuS: (used.user + used.system) / 1e6, wallS: (performance.now() - started) / 1000, bytes };
}

async function main(): Promise<void> {
  await cpuOfZip(1_000); // warm-up: JIT and module loading out of the measured runs
  const small = await cpuOfZip(SMALL);
  const large = await cpuOfZip(LARGE);
  const perEntryRatio = large.cpuS / large.entries / (small.cpuS / small.entries);
  const round = (n: number): number => Math.round(n * 100) / 100;
  console.log(JSON.stringify({
    bench: 'zip-archive',
    small: { ...small, cpuS: round(small.cpuS), wallS: round(small.wallS) },
    large: { ...large, cpuS: round(large.cpuS), wallS: round(large.wallS) },
    perEntryRatio: round(perEntryRatio),
    target: 'perEntryRatio <= 1.5',
    ok: perEntryRatio <= 1.5,
    load: (await import('node:os')).loadavg()[0],
  }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
