// A restarted node collects its restore's garbage before it joins the cluster
// (node-runtime/node/restore-collection.ts). That this really frees memory is a property of the V8
// a node runs on (the collector reached through a context created after --expose-gc), so it is
// checked in a real V8, in a child process whose heap is its own: a snapshot-sized buffer and a
// parsed tree of records, dropped, must be gone after one call.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const modulePath = fileURLToPath(new URL('../../../node-runtime/node/restore-collection.ts', import.meta.url));
const MiB = 1024 * 1024;

describe('restore collection', () => {
  it('frees a dropped snapshot buffer and parsed records in one call, without exposing gc to the process', async () => {
    const probe = `
      import { collectRestoreGarbage } from ${JSON.stringify(modulePath)};
      let bytes = Buffer.alloc(32 * 1024 * 1024, 1);
      let tree = JSON.parse(JSON.stringify(Array.from({ length: 200_000 }, (_, i) => ({ name: 'file-' + i, sha256: String(i).padStart(64, '0') }))));
      const held = { bytes: bytes.length, records: tree.length };
      // Measured while still held: nothing below allocates enough to start a collection of its own.
      const before = process.memoryUsage();
      bytes = undefined;
      tree = undefined;
      const ms = collectRestoreGarbage();
      const after = process.memoryUsage();
      // A freed buffer's memory is returned by V8's array-buffer sweeper, which may finish on a
      // helper thread after the collection: polled, with a deadline.
      const deadline = Date.now() + 10_000;
      while (process.memoryUsage().arrayBuffers > before.arrayBuffers - 30 * 1024 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const buffersAfter = process.memoryUsage().arrayBuffers;
      console.log(JSON.stringify({ held, ms, before, after, buffersAfter, globalGc: typeof globalThis.gc }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: path.dirname(modulePath) });
    const result = JSON.parse(stdout) as { held: { bytes: number; records: number }; ms: number; before: NodeJS.MemoryUsage; after: NodeJS.MemoryUsage; buffersAfter: number; globalGc: string };
    expect(result.held).toEqual({ bytes: 32 * MiB, records: 200_000 });
    expect(result.before.arrayBuffers - result.buffersAfter).toBeGreaterThanOrEqual(30 * MiB);
    expect(result.before.heapUsed - result.after.heapUsed).toBeGreaterThanOrEqual(20 * MiB);
    expect(result.ms).toBeGreaterThan(0);
    expect(result.globalGc).toBe('undefined');
  }, 60_000);
});
