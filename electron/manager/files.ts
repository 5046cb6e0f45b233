// Small durable-file helpers for the manager's own state (cluster.json, profiles.json, secrets):
// atomic replace so a crash mid-write never leaves a torn file, 0600 for anything secret.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function writeFileAtomic(file: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text, { mode });
  // writeFile's mode is filtered by the umask; secrets must be 0600 whatever the umask says.
  await chmod(temp, mode);
  await rename(temp, file);
}

/** The file's text, or null when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
