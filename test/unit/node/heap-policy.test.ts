// The heap policy (node-runtime/node/heap-policy.ts) is in effect in a real V8: a process that
// applies it lets its old generation grow to at most about twice what is live, where V8's own
// sizing grows it four-fold under the same allocation. Read from V8's own trace
// (`--trace-gc-verbose` prints every new allocation limit), in a child process with its own heap.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseNodeOptions, UsageError } from '../../../node-runtime/node/cli-options';
import { DEFAULT_FIXED_YOUNG_GENERATION, DEFAULT_HEAP_GROWING_PERCENT } from '../../../node-runtime/node/heap-policy';

const policyPath = fileURLToPath(new URL('../../../node-runtime/node/heap-policy.ts', import.meta.url));
const MiB = 1024 * 1024;

/**
 * Holds about 80 MiB of small objects (the shape of a catalog) while allocating garbage as fast as
 * it can (the shape of a write storm), under the given policy; V8's limits as [old size, new limit] in bytes.
 */
async function limitsUnder(percent: number | null): Promise<Array<[number, number]>> {
  const probe = `
    import { applyHeapGrowingPercent } from ${JSON.stringify(policyPath)};
    applyHeapGrowingPercent(${JSON.stringify(percent)});
    const live = [];
    let garbage = [];
    for (let i = 0; i < 6_000_000; i++) {
      garbage.push({ i, name: 'file-' + i });
      if (garbage.length === 100_000) { live.push(garbage.slice(0, 20_000)); garbage = []; }
    }
    console.log(live.length);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--trace-gc-verbose', '--import', 'tsx', '--input-type=module', '-e', probe], {
    cwd: path.dirname(policyPath),
    maxBuffer: 64 * MiB,
  });
  return [...stdout.matchAll(/Limit: old size: (\d+) KB, new limit: (\d+) KB/g)].map((m) => [Number(m[1]) * 1024, Number(m[2]) * 1024]);
}

/**
 * The largest young generation (V8's new space, both semi-spaces) seen while a process holds a
 * window of recent objects and allocates past it (the shape of requests in flight), with the
 * young generation fixed or left to V8; in bytes.
 */
async function youngGenerationPeak(fixed: boolean): Promise<number> {
  const probe = `
    import v8 from 'node:v8';
    import { applyFixedYoungGeneration } from ${JSON.stringify(policyPath)};
    applyFixedYoungGeneration(${JSON.stringify(fixed)});
    const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    let window = [];
    let peak = 0;
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < 20_000; i++) window.push({ i, name: 'request-' + i, parts: [i, i] });
      if (window.length > 100_000) window = window.slice(50_000);
      peak = Math.max(peak, newSpace());
    }
    console.log(peak);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: path.dirname(policyPath) });
  return Number(stdout.trim());
}

/**
 * The most memory outside V8's heap (`arrayBuffers`) a process held while 256 MiB of 64 KiB buffers
 * went through it as garbage (the shape of an upload's socket pieces), with the young generation
 * collected after every 4 MiB or left to V8; in bytes.
 */
async function garbagePiecesPeak(collectEveryChunk: boolean): Promise<number> {
  const probe = `
    import { youngGenerationCollector } from ${JSON.stringify(policyPath)};
    const collect = ${JSON.stringify(collectEveryChunk)} ? youngGenerationCollector() : () => {};
    let peak = 0;
    for (let i = 0; i < 4096; i++) {
      Buffer.allocUnsafe(64 * 1024).fill(i);
      if (i % 64 === 63) collect();
      if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
    console.log(peak);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: path.dirname(policyPath) });
  return Number(stdout.trim());
}

/**
 * The old generation's bytes in use after objects promoted by scavenges (the shape of a long
 * upload's per-chunk state) are dropped and the given collection runs: [after a scavenge, after
 * the full collector].
 */
async function promotedGarbageAfter(): Promise<[number, number]> {
  const probe = `
    import v8 from 'node:v8';
    import { fullCollector, youngGenerationCollector } from ${JSON.stringify(policyPath)};
    const scavenge = youngGenerationCollector();
    const collectAll = fullCollector();
    const oldUsed = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
    let promoted = Array.from({ length: 200_000 }, (_, i) => ({ i, name: 'chunk-' + i }));
    scavenge();
    scavenge();
    promoted = null;
    scavenge();
    const afterScavenge = oldUsed();
    collectAll();
    console.log(JSON.stringify([afterScavenge, oldUsed()]));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: path.dirname(policyPath) });
  return JSON.parse(stdout.trim()) as [number, number];
}

describe('heap policy', () => {
  it('frees garbage buffers within a chunk of their arrival when the young generation is collected per chunk, where V8 alone lets them pile up', async () => {
    const [collected, v8Own] = await Promise.all([garbagePiecesPeak(true), garbagePiecesPeak(false)]);
    expect(collected).toBeGreaterThan(0);
    expect(collected).toBeLessThanOrEqual(16 * MiB);
    expect(v8Own).toBeGreaterThan(2 * collected);
  }, 60_000);

  it('frees with one full collection the promoted garbage that scavenges leave in the old generation', async () => {
    const [afterScavenge, afterFull] = await promotedGarbageAfter();
    expect(afterScavenge - afterFull).toBeGreaterThan(4 * MiB);
  }, 60_000);

  it('keeps the young generation at its starting size, where V8 alone grows it to its 32 MiB cap', async () => {
    const [fixed, v8Own] = await Promise.all([youngGenerationPeak(true), youngGenerationPeak(false)]);
    expect(fixed).toBeGreaterThan(0);
    expect(fixed).toBeLessThanOrEqual(4 * MiB);
    expect(v8Own).toBeGreaterThanOrEqual(16 * MiB);
  }, 60_000);

  it('bounds the heap at twice what is live, where V8 alone lets it grow four-fold', async () => {
    const [policy, v8Own] = await Promise.all([limitsUnder(DEFAULT_HEAP_GROWING_PERCENT), limitsUnder(null)]);
    // Only limits set once the held objects dominate (V8 has minimum limits for small heaps).
    const large = (limits: Array<[number, number]>) => limits.filter(([old]) => old >= 40 * MiB);
    expect(large(policy).length).toBeGreaterThan(0);
    expect(large(v8Own).length).toBeGreaterThan(0);
    // live × 2, plus what V8 adds on top: the young generation's capacity (at most 32 MiB here) and slack.
    for (const [old, limit] of large(policy)) expect(limit).toBeLessThanOrEqual(old * 2 + 40 * MiB);
    expect(Math.max(...large(v8Own).map(([old, limit]) => limit / old))).toBeGreaterThan(3);
  }, 60_000);

  it('is on by default, off with DFS_HEAP_GROWING_PERCENT=0, and refuses nonsense', () => {
    const argv = ['--node', '0'];
    expect(parseNodeOptions(argv, {}).heapGrowingPercent).toBe(DEFAULT_HEAP_GROWING_PERCENT);
    expect(parseNodeOptions(argv, { DFS_HEAP_GROWING_PERCENT: '50' }).heapGrowingPercent).toBe(50);
    expect(parseNodeOptions(argv, { DFS_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBeNull();
    for (const bad of ['-1', '1.5', 'lots', '301']) expect(() => parseNodeOptions(argv, { DFS_HEAP_GROWING_PERCENT: bad })).toThrow(UsageError);
  });

  it('fixes the young generation by default, leaves it to V8 with DFS_FIXED_YOUNG_GENERATION=0, and refuses nonsense', () => {
    const argv = ['--node', '0'];
    expect(DEFAULT_FIXED_YOUNG_GENERATION).toBe(true);
    expect(parseNodeOptions(argv, {}).fixedYoungGeneration).toBe(true);
    expect(parseNodeOptions(argv, { DFS_FIXED_YOUNG_GENERATION: '1' }).fixedYoungGeneration).toBe(true);
    expect(parseNodeOptions(argv, { DFS_FIXED_YOUNG_GENERATION: '0' }).fixedYoungGeneration).toBe(false);
    for (const bad of ['yes', '2', '-1']) expect(() => parseNodeOptions(argv, { DFS_FIXED_YOUNG_GENERATION: bad })).toThrow(UsageError);
  });
});
