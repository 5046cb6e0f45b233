// "Reset cluster" and "New cluster" wipe the local cluster the app runs — its membership file,
// its secret and every node's data directory — while keeping what is not the cluster's: attach
// profiles, watched folders and logs. The nodes must be stopped first. Pure Node (tested).
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** The entries of `dataDir` that belong to the local cluster (see electron/manager/supervision/cluster-store.ts). */
export async function localClusterEntries(dataDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((name) => name === 'cluster.json' || name === 'cluster.secret' || /^node-\d+$/.test(name))
    .map((name) => path.join(dataDir, name));
}

export async function deleteLocalCluster(dataDir: string): Promise<void> {
  for (const entry of await localClusterEntries(dataDir)) await rm(entry, { recursive: true, force: true });
}
