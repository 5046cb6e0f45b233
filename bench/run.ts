// `npm run bench`: runs every benchmark in bench/ (each prints one JSON line) one after another,
// so they do not compete for the two cores (each for at most 30 minutes: many-files writes 100,000
// files), and records the results with the machine they ran on
// in bench/results/<date>.json. Compare files to see what a change did.
import { execFile } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const benchDir = fileURLToPath(new URL('.', import.meta.url));

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = (await readdir(benchDir))
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
    .filter((f) => only.length === 0 || only.some((name) => f.includes(name)))
    .sort();
  const results: unknown[] = [];
  for (const file of files) {
    process.stdout.write(`${file} … `);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(benchDir, file)], { cwd: path.dirname(benchDir), timeout: 1_800_000, maxBuffer: 16 * 1024 * 1024 });
    const line = stdout.trim().split('\n').pop() ?? '';
    const result = JSON.parse(line) as unknown;
    results.push(result);
    process.stdout.write(`${line}\n`);
  }
  const record = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    results,
  };
  const out = path.join(benchDir, 'results', `${record.at.slice(0, 10)}.json`);
  await writeFile(out, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`recorded ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
