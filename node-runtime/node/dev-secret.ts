// A cluster started without DFS_CLUSTER_SECRET (the seed's commands) still authenticates its peer
// traffic: its nodes share a random secret kept in one file beside their data directories
// (`./data/.dfs-dev-secret` for the seed's `./data/node-<id>`), readable by this user only.
// Without it any local process could speak Raft or push chunks as "node 3" (issue #15).
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { StartupError } from './config-file';

export const DEV_SECRET_FILE = '.dfs-dev-secret';

/** Reads the shared dev secret, creating it first when this is the first node to start. */
export async function devClusterSecret(dataDir: string): Promise<{ secret: string; file: string }> {
  const file = path.join(path.dirname(path.resolve(dataDir)), DEV_SECRET_FILE);
  try {
    return await readOrCreate(file);
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(`cannot keep the dev cluster secret in ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set DFS_CLUSTER_SECRET instead`);
  }
}

async function readOrCreate(file: string): Promise<{ secret: string; file: string }> {
  await mkdir(path.dirname(file), { recursive: true });
  // Written whole to a temp name, then linked into place: link fails if another node got there
  // first, so nodes starting together never read a half-written file and all end up with one secret.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  try {
    await link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp);
  }
  const secret = (await readFile(file, 'utf8')).trim();
  if (secret === '' || /\s/.test(secret)) throw new StartupError(`the dev cluster secret in ${file} is damaged; delete it and restart every node`);
  return { secret, file };
}
