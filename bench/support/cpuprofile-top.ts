// Summarises V8 .cpuprofile files (from `node --cpu-prof`, e.g. BENCH_CPU_PROF=<dir> npx tsx
// bench/upload-throughput.ts): the top frames by self time, and self time per source file.
//
//   npx tsx bench/support/cpuprofile-top.ts <file.cpuprofile>... [--top 25] [--skip-ms 3000]
// --skip-ms leaves out the first milliseconds of each profile (start-up: module loading).
import { readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
const top = option('--top', 25);
const skipUs = option('--skip-ms', 0) * 1000;
const files = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) return p.slice(nm + 'node_modules/'.length);
  const root = p.indexOf('/work/');
  return root >= 0 ? path.relative(process.cwd(), p) : p;
}

process.stdout.on('error', () => process.exit(0));
for (const file of files) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = 0;
  samples.forEach((id, i) => {
    at += deltas[i] ?? 0;
    if (at >= skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
  });
  const total = (profile.endTime - profile.startTime - skipUs) / 1000;
  const frames = new Map<string, number>();
  const perFile = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const key = `${functionName || '(anonymous)'}  ${shortUrl(url)}:${lineNumber + 1}`;
    frames.set(key, (frames.get(key) ?? 0) + us);
    const f = shortUrl(url);
    perFile.set(f, (perFile.get(f) ?? 0) + us);
  }
  const busy = [...frames.values()].reduce((a, b) => a + b, 0) / 1000;
  console.log(`\n${path.basename(file)}: ${total.toFixed(0)} ms profiled, ${busy.toFixed(0)} ms busy on the main thread, ${(idle / 1000).toFixed(0)} ms idle`);
  console.log('  self ms   %busy  frame');
  for (const [key, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${(us / 1000).toFixed(0).padStart(7)}  ${((us / 1000 / busy) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
  console.log('  by file:');
  for (const [f, us] of [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${(us / 1000).toFixed(0).padStart(7)}  ${((us / 1000 / busy) * 100).toFixed(1).padStart(5)}%  ${f}`);
  }
}
