// A file that names the live process owning something: a node's data directory (data-dir-lock.ts)
// or the desktop manager's cluster (electron/manager/supervision/cluster-lock.ts). The lint table
// lets the manager import this file and process-identity.ts, and nothing else of storage/.
//
// What the OS gives every platform, used so that no state is ever half-visible:
// - the file appears with its complete contents or not at all (written aside, then hard-linked
//   into place; the link fails if the file exists);
// - an owner is its pid plus that process's start time, so a pid the OS has since handed to
//   another process (after a reboot, or in a container where the node is always pid 1) does not
//   keep the lock;
// - a stale file is replaced by the single taker that won a marker named after its text, in one
//   rename, so it never disappears: deleting it and creating a new one would let a slower taker,
//   still judging the old text, delete the new owner's file.
import { createHash, randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { isPidAlive, processStartTime } from './process-identity';

/** Who a file names: a pid and that process's start time (null where the platform cannot tell). */
export interface FileOwner {
  readonly pid: number;
  readonly startTime: string | null;
}

/**
 * Reads the owner out of a file's text; null when the text names nobody this code wrote. A caller
 * whose records carry more than a pid and a start time gets its own record type back.
 */
export type OwnerParser<O extends FileOwner = FileOwner> = (text: string) => O | null;

/** How long a taker waits for another one that is replacing the same stale file. */
const TAKEOVER_WAIT_MS = 5_000;

export type TakeResult<O extends FileOwner = FileOwner> = { readonly taken: true } | { readonly taken: false; readonly owner: O };

/**
 * Puts `record` at `file` for this process, replacing a stale one (its owner died or its pid now
 * names another process). When a live process owns it, returns that owner as `parse` read it.
 */
export async function takeOwnerFile<O extends FileOwner>(file: string, record: string, parse: OwnerParser<O>): Promise<TakeResult<O>> {
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (await createExclusive(file, record)) return { taken: true };
    const current = await readTextIfExists(file);
    if (current === null) continue;
    const owner = parse(current);
    if (owner !== null && (await isOwnerAlive(owner))) return { taken: false, owner };
    if (await replaceStale(file, current, record, parse)) return { taken: true };
    // Another taker is replacing the same stale file right now: look again in a moment.
    if (Date.now() > deadline) throw new Error(`could not take ${file}: another process kept taking it over for ${TAKEOVER_WAIT_MS} ms`);
    await delay(10);
  }
}

/** Removes `file` if its text is still `record` (ours): a file another process took over stays. */
export async function releaseOwnerFile(file: string, record: string): Promise<void> {
  if ((await readTextIfExists(file)) === record) await rm(file, { force: true });
}

/**
 * Whether the process a file names is still that process. This process's own pid counts only
 * with this process's start time: a file left by an earlier process that had the same pid (a
 * container's pid 1 before a crash) is stale, not ours.
 */
export async function isOwnerAlive(owner: FileOwner): Promise<boolean> {
  if (owner.pid === process.pid) return owner.startTime === (await processStartTime(process.pid));
  if (!isPidAlive(owner.pid)) return false;
  if (owner.startTime === null) return true;
  const startTime = await processStartTime(owner.pid);
  // Null here: the process exited since the check above, or this platform cannot tell.
  if (startTime === null) return isPidAlive(owner.pid);
  return startTime === owner.startTime;
}

/**
 * Writes the record beside the file, then links it into place: it exists complete or not at all.
 * Where the file system has no hard links, the file is created exclusively and then written, so a
 * reader may find it empty for a moment (and judge it stale) there.
 */
async function createExclusive(file: string, record: string): Promise<boolean> {
  const temp = tempNameFor(file);
  await writeFile(temp, record);
  try {
    await link(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
    return createThenWrite(file, record);
  } finally {
    await rm(temp, { force: true });
  }
}

async function createThenWrite(file: string, record: string): Promise<boolean> {
  try {
    await writeFile(file, record, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Replaces the stale file whose text is `stale` by `record`; false when another process does so.
 * Only the taker that created the marker named after `stale` may touch the file. A marker left by
 * a taker that crashed in that instant is itself stale, and is taken over the same way one level
 * down.
 */
async function replaceStale<O extends FileOwner>(file: string, stale: string, record: string, parse: OwnerParser<O>): Promise<boolean> {
  const marker = takeoverMarker(file, stale);
  if (!(await createExclusive(marker, record))) {
    const markerText = await readTextIfExists(marker);
    if (markerText === null) return false;
    const taker = parse(markerText);
    if (taker !== null && (await isOwnerAlive(taker))) return false;
    if (!(await replaceStale(marker, markerText, record, parse))) return false;
  }
  try {
    // A marker created after the winner removed its own: the file has moved on already.
    if ((await readTextIfExists(file)) !== stale) return false;
    const temp = tempNameFor(file);
    await writeFile(temp, record);
    await rename(temp, file);
    return true;
  } finally {
    await rm(marker, { force: true });
  }
}

/** The marker the takers of the stale text `stale` race to create (part of the on-disk format). */
export function takeoverMarker(file: string, stale: string): string {
  return `${file}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
}

function tempNameFor(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

async function readTextIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
