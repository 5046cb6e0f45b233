// Free bytes on the volume holding a directory, for the disk guard and /stats.
import { statfs } from 'node:fs/promises';

/** Null where the platform cannot tell. */
export async function diskFree(dir: string): Promise<number | null> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}
