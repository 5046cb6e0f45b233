// Temp files are how every atomic write starts (write, fsync, rename). Their names carry a fixed
// marker, the writer's pid and a random part so that, after a crash, cleanup can find the
// leftovers by name alone, and two writers never collide on one temp name.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const TEMP_MARKER = '.tmp-';
const TEMP_NAME = /\.tmp-(\d+)-[0-9a-f]+$/;

/** Temp files of writes still running in this process; cleanup must not pull them away. */
const activeTempPaths = new Set<string>();

/**
 * Reserves a temp path next to `finalPath` (same directory, so the final rename is atomic).
 * Release it with `releaseTempPath` once it was renamed or removed.
 */
export function claimTempPath(finalPath: string): string {
  const temp = path.resolve(`${finalPath}${TEMP_MARKER}${process.pid}-${randomBytes(6).toString('hex')}`);
  activeTempPaths.add(temp);
  return temp;
}

export function releaseTempPath(tempPath: string): void {
  activeTempPaths.delete(tempPath);
}

export function isTempFileName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * Removes temp files left in `dir` (not recursive) by writers that crashed; temp files of writes
 * still running in this process are kept. Returns how many were removed.
 */
export async function removeTempFiles(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    const full = path.resolve(dir, name);
    if (!isTempFileName(name) || activeTempPaths.has(full)) continue;
    try {
      await fs.unlink(full);
      removed += 1;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return removed;
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
