// One process per data directory. Two nodes appending to one WAL would interleave records and
// destroy it, and the desktop restarts nodes quickly enough for an old process to still be
// exiting. The lock is a file naming its owner, `<pid> <start time>`; one whose owner is gone is
// taken over (owner-file.ts says how, and why a pid alone cannot tell).
//
// Format: releases before this one wrote `<pid>` alone and read the pid with parseInt, which
// stops at the space, so each release reads the other's lock. A pid-only lock left by a crash is
// judged by its pid alone, except when it names this very process: it cannot be ours, since ours
// always carries a start time where the platform has one.
import path from 'node:path';
import { releaseOwnerFile, takeOwnerFile, type FileOwner } from './owner-file';
import { processStartTime } from './process-identity';

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
  const startTime = await processStartTime(process.pid);
  const record = startTime === null ? `${process.pid}\n` : `${process.pid} ${startTime}\n`;
  const result = await takeOwnerFile(file, record, parseLockOwner);
  if (!result.taken) throw new DataDirLockedError(dataDir, result.owner.pid);
  return { release: () => releaseOwnerFile(file, record) };
}

/** `<pid> <start time>` or, from older releases, `<pid>`; null for anything else. */
export function parseLockOwner(text: string): FileOwner | null {
  const match = /^(\d+)(?: (\S+))?\n?$/.exec(text);
  if (match === null) return null;
  const pid = Number(match[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, startTime: match[2] ?? null } : null;
}
