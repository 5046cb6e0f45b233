// Child processes a benchmark starts: spawned with their output in a log file, waited for by
// polling with a deadline, and always stopped (SIGTERM, then SIGKILL) — also when the benchmark
// itself dies, so no peer outlives the run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { pickPort } from '../../electron/manager/supervision/ports';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Absolute path of an executable on PATH (or in the sbin directories), or null. */
export function which(binary: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${binary} || ls /usr/sbin/${binary} /sbin/${binary} 2>/dev/null | head -1`], { encoding: 'utf8' });
  const line = found.stdout.trim().split('\n')[0] ?? '';
  return line === '' ? null : line;
}

const handedOut = new Set<number>();

/** A free loopback port below the ephemeral range (the manager's pickPort; a listen(0) port can be taken by an outgoing connection before its server binds it). */
export function freePort(): Promise<number> {
  return pickPort(handedOut);
}

export function startProcess(command: string, args: readonly string[], logFile: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `probe` until it returns true; throws after `timeoutMs`, or at once if `child` exits. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${what}: the process exited (${child.exitCode ?? child.signalCode})`);
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** CPU seconds (user + system) used so far by `pid` and its live children (Linux /proc); null elsewhere. */
export async function cpuSeconds(pid: number): Promise<number | null> {
  const { readFile } = await import('node:fs/promises');
  const ticks = 100; // USER_HZ on Linux
  const one = async (p: number): Promise<number> => {
    const stat = await readFile(`/proc/${p}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticks;
  };
  try {
    let total = await one(pid);
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim();
    for (const child of children ? children.split(/\s+/) : []) total += await one(Number(child)).catch(() => 0);
    return total;
  } catch {
    return null;
  }
}

/** CPU seconds used so far by all of `pids` together (null when /proc is not there). */
export async function cpuSecondsOfAll(pids: readonly number[]): Promise<number | null> {
  let total = 0;
  for (const pid of pids) {
    const s = await cpuSeconds(pid);
    if (s === null) return null;
    total += s;
  }
  return total;
}
