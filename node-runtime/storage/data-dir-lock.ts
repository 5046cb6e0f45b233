// One process per data directory. Two nodes appending to one WAL would interleave records and
// destroy it, and the desktop restarts nodes quickly enough for an old process to still be
// exiting. The lock is a file holding the owner's pid; a lock whose owner is gone is taken over.
import fs from 'node:fs/promises';
import path from 'node:path';
import { isNotFound } from './temp-files';

export const LOCK_FILE = 'LOCK';

/** Another live process holds the data directory. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(`data directory ${dataDir} is in use by process ${ownerPid}`);
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    if (await createHoldingPid(file)) return { release: () => fs.rm(file, { force: true }) };
    const owner = await readOwner(file);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw new DataDirLockedError(dataDir, owner);
    if (owner === process.pid || attempt > 0) throw new DataDirLockedError(dataDir, owner ?? 0);
    // The owner died without releasing (crash, kill -9): take the lock over, once.
    await fs.rm(file, { force: true });
  }
}

/**
 * Creates the lock file with this process's pid already in it; false if it exists. Created empty
 * and then written (open 'wx', write), it was empty for a moment: a starter reading it then saw
 * no owner and took it over, and a test reading the pids right after a start read NaN. So the pid
 * is written to a file of this process's own and hard-linked into place, which fails if the lock
 * exists. Where the file system has no hard links, the lock is created and written as before.
 */
async function createHoldingPid(file: string): Promise<boolean> {
  const own = `${file}.${process.pid}`;
  await fs.writeFile(own, `${process.pid}\n`);
  try {
    await fs.link(own, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
    return createThenWrite(file);
  } finally {
    await fs.rm(own, { force: true });
  }
}

async function createThenWrite(file: string): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(`${process.pid}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

async function readOwner(file: string): Promise<number | undefined> {
  try {
    const pid = parseInt(await fs.readFile(file, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
