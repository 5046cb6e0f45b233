// Node processes left over from an earlier manager. A node exits when its manager's IPC channel
// closes, except while it is paused (SIGSTOP): a manager killed then leaves it frozen, holding its
// ports and data directory. The next manager, once it holds the cluster lock (so the nodes'
// manager is provably gone), finds such nodes by their `--data-dir` and kills them.
import { execFile } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LeftoverNode {
  readonly pid: number;
  readonly dataDir: string;
}

/** Processes whose command line names one of `dataDirs` as `--data-dir`. */
export async function findLeftoverNodes(dataDirs: readonly string[]): Promise<LeftoverNode[]> {
  if (process.platform === 'win32' || dataDirs.length === 0) return [];
  let listing: string;
  try {
    // -ww: never cut long command lines (the data dir sits near their end).
    listing = (await run('ps', ['-A', '-ww', '-o', 'pid=,args='], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch {
    return [];
  }
  const found: LeftoverNode[] = [];
  for (const line of listing.split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    const args = `${match[2] ?? ''} `;
    const dataDir = dataDirs.find((dir) => args.includes(` --data-dir ${dir} `));
    if (dataDir !== undefined && pid !== process.pid) found.push({ pid, dataDir });
  }
  return found;
}

/**
 * SIGKILLs the leftovers (a stopped process dies of SIGKILL too) and waits up to `timeoutMs` for
 * them to be gone, so their ports are free. Returns those it killed.
 */
export async function killLeftoverNodes(leftovers: readonly LeftoverNode[], timeoutMs = 5_000): Promise<LeftoverNode[]> {
  const killed = leftovers.filter(({ pid }) => signal(pid, 'SIGKILL'));
  const deadline = Date.now() + timeoutMs;
  while (killed.some(({ pid }) => signal(pid, 0)) && Date.now() < deadline) await delay(20);
  return killed;
}

function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
