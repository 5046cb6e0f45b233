// One owner per cluster. Whoever runs a cluster's nodes — web mode, the desktop app, `npm run
// cluster` — first takes `<dataDir>/cluster.lock`; a second one finds it held and says by whom
// instead of treating the first one's nodes as leftovers and fighting over their data directories.
//
// Why not proper-lockfile (the usual package): its last release is from 2021, and it detects a
// stale lock by an mtime its owner must keep refreshing, so a crashed owner blocks its own
// restart for the whole stale period, and a live owner whose event loop stalls or whose laptop
// sleeps past that period loses its lock to a second manager (exactly the bug this lock exists
// for). It also has nowhere to keep the owner's pid and dashboard port that a second start must
// show. A lock that never leaves this machine can do better with what the OS already provides: the
// owner file of node-runtime/storage/owner-file.ts, which a node's data-directory lock uses too (the
// file appears complete or not at all, is stale exactly when its pid is dead or now belongs to a
// process with another start time, and a stale one is replaced in one rename by a single taker).
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { takeOwnerFile } from '../../../node-runtime/storage/owner-file';
import { processStartTime } from '../../../node-runtime/storage/process-identity';
import { readTextIfExists, writeFileAtomic } from '../files';

export const LOCK_FILE = 'cluster.lock';
/** The owner's dashboard URL, token included: 0600, for a second start of the same user to open. */
export const HANDOVER_FILE = 'handover.json';

export const HOLDERS = { web: 'web mode', app: 'the desktop app', script: '`npm run cluster`' } as const;
export type Holder = keyof typeof HOLDERS;

const ownerSchema = z.object({
  pid: z.number().int().positive(),
  /** From processStartTime(pid); null where the platform cannot tell. */
  startTime: z.string().nullable(),
  /** When the lock was taken (ISO 8601), for people. */
  since: z.string(),
  holder: z.enum(Object.keys(HOLDERS) as [Holder, ...Holder[]]),
  /** The dashboard's port once it listens; null before, and always for `npm run cluster`. */
  port: z.number().int().min(1).max(65535).nullable(),
});
export type LockOwner = z.infer<typeof ownerSchema>;

const handoverSchema = z.object({ url: z.url() });

/** "web mode (pid 123, since 2026-11-26 10:00:05, dashboard on port 4567)". */
export function describeOwner(owner: LockOwner): string {
  // The sv-SE locale writes local time as "YYYY-MM-DD hh:mm:ss", readable and unambiguous.
  const since = new Date(owner.since).toLocaleString('sv-SE');
  const dashboard = owner.port === null ? '' : `, dashboard on port ${owner.port}`;
  return `${HOLDERS[owner.holder]} (pid ${owner.pid}, since ${since}${dashboard})`;
}

/** The cluster is held by another live process. */
export class ClusterBusyError extends Error {
  override readonly name = 'ClusterBusyError';
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(`the cluster in ${dataDir} is already managed by ${describeOwner(owner)}`);
  }
}

export class ClusterLock {
  private held = true;

  private constructor(
    readonly dataDir: string,
    private owner: LockOwner,
  ) {}

  /**
   * Takes the cluster in `dataDir` for this process, taking over a stale lock (its owner crashed).
   * Throws ClusterBusyError naming the owner when a live process holds it.
   */
  static async acquire(dataDir: string, holder: Holder): Promise<ClusterLock> {
    const dir = path.resolve(dataDir);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, LOCK_FILE);
    const owner: LockOwner = { pid: process.pid, startTime: await processStartTime(process.pid), since: new Date().toISOString(), holder, port: null };
    const result = await takeOwnerFile(file, `${JSON.stringify(owner)}\n`, parseOwner);
    if (result.taken) return new ClusterLock(dir, owner);
    throw new ClusterBusyError(dir, result.owner);
  }

  /** What a second start reads in the hand-over file: null when there is none or it is unreadable. */
  static async handoverUrl(dataDir: string): Promise<string | null> {
    try {
      return handoverSchema.parse(JSON.parse(await readFile(path.join(dataDir, HANDOVER_FILE), 'utf8'))).url;
    } catch {
      return null;
    }
  }

  /** Throws unless this lock is still held: what may only run while we own the cluster checks it first. */
  assertHeld(): void {
    if (!this.held) throw new Error(`the cluster lock on ${this.dataDir} was released`);
  }

  /** Records the dashboard's port in the lock and its URL in the 0600 hand-over file. */
  async announceDashboard(port: number, url: string): Promise<void> {
    this.assertHeld();
    this.owner = { ...this.owner, port };
    await writeFileAtomic(path.join(this.dataDir, HANDOVER_FILE), `${JSON.stringify({ url })}\n`, 0o600);
    // Replacing our own lock file in one rename: a reader sees the old owner record or the new one.
    await writeFileAtomic(path.join(this.dataDir, LOCK_FILE), `${JSON.stringify(this.owner)}\n`);
  }

  /** Removes the hand-over file and the lock (if it is still ours). Idempotent. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await rm(path.join(this.dataDir, HANDOVER_FILE), { force: true });
    const file = path.join(this.dataDir, LOCK_FILE);
    const current = await readOwner(file);
    if (current !== null && sameOwner(current, this.owner)) await rm(file, { force: true });
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    return ownerSchema.parse(JSON.parse(text));
  } catch {
    // Not written by this code (it only ever puts complete records in place): nobody provably holds it.
    return null;
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  const text = await readTextIfExists(file);
  return text === null ? null : parseOwner(text);
}

function sameOwner(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.startTime === b.startTime && a.since === b.since;
}
