// What a node holds on disk, read straight from its data directory: the "nothing was written"
// half of every rejected-request test.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { TestNode } from '../cluster/harness';

/** Stored (committed) chunks; temp files of a write in progress are not counted. */
export async function chunkCount(node: TestNode): Promise<number> {
  const root = path.join(node.dataDir, 'chunks');
  let count = 0;
  for (const dir of await readdir(root).catch(() => [] as string[])) {
    count += (await readdir(path.join(root, dir)).catch(() => [] as string[])).filter((f) => /^[0-9a-f]{64}$/.test(f)).length;
  }
  return count;
}
