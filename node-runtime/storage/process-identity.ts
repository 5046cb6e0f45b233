// Is the process that wrote a lock still that process? A pid alone cannot say: after a crash the
// OS hands the number to someone else. A pid plus the process's start time names one process for
// the machine's whole uptime, so a lock records both and a reader compares both.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether a process with this pid exists (EPERM: it does, and belongs to another user). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An opaque token for when `pid` started, equal for the same process whenever it is read; null
 * when the process is gone or the platform cannot tell (Windows: callers then trust the pid).
 */
export async function processStartTime(pid: number): Promise<string | null> {
  if (process.platform === 'linux') return linuxStartTime(pid);
  if (process.platform === 'win32') return null;
  return psStartTime(pid);
}

/**
 * Field 22 of /proc/<pid>/stat: clock ticks from boot to the process's start. Unlike a wall-clock
 * start time (ps's lstart, computed from the boot time) it does not move when NTP steps the clock.
 */
async function linuxStartTime(pid: number): Promise<string | null> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 is the command name in parentheses and may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

/** macOS and the BSDs keep the start time as the kernel recorded it; fixed zone and locale make the text comparable. */
async function psStartTime(pid: number): Promise<string | null> {
  try {
    const { stdout } = await run('ps', ['-o', 'lstart=', '-p', String(pid)], { env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}
