// The cluster lock on a real disk, against real processes: who holds it, when it is stale (dead
// pid, or a pid now used by another process), the 0600 hand-over file, and a race of many takers.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterBusyError, ClusterLock, HANDOVER_FILE, LOCK_FILE, type LockOwner } from '../../../electron/manager/supervision/cluster-lock';
import { takeoverMarker } from '../../../node-runtime/storage/owner-file';
import { processStartTime } from '../../../node-runtime/storage/process-identity';
import { makeTempDir, waitFor } from '../../fixtures/manager/helpers';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const temp = await makeTempDir('dfs-lock-');
  cleanups.push(temp.remove);
  return temp.dir;
}

/** A live process other than this one, to stand for another manager. */
async function otherProcess(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  cleanups.push(async () => {
    child.kill('SIGKILL');
  });
  await waitFor('the other process to start', () => child.pid !== undefined);
  return child as ChildProcess & { pid: number };
}

async function writeLock(dir: string, owner: LockOwner): Promise<void> {
  await writeFile(path.join(dir, LOCK_FILE), JSON.stringify(owner));
}

const since = '2026-11-26T09:00:00.000Z';

describe('cluster lock', () => {
  it('refuses a second taker while the first holds it, naming the owner, and is free after release', async () => {
    const dir = await tempDir();
    const first = await ClusterLock.acquire(dir, 'web');
    await first.announceDashboard(4567, 'http://127.0.0.1:4567/?token=abc');

    const busy = await ClusterLock.acquire(dir, 'script').catch((err: unknown) => err);
    expect(busy).toBeInstanceOf(ClusterBusyError);
    const { owner } = busy as ClusterBusyError;
    expect(owner).toMatchObject({ pid: process.pid, holder: 'web', port: 4567, startTime: await processStartTime(process.pid) });
    expect((busy as Error).message).toMatch(new RegExp(`^the cluster in ${dir} is already managed by web mode \\(pid ${process.pid}, since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d, dashboard on port 4567\\)$`));

    expect(await ClusterLock.handoverUrl(dir)).toBe('http://127.0.0.1:4567/?token=abc');
    expect((await stat(path.join(dir, HANDOVER_FILE))).mode & 0o777).toBe(0o600);
    // The token lives only in the 0600 hand-over file, never in the lock.
    expect(await readFile(path.join(dir, LOCK_FILE), 'utf8')).not.toContain('abc');

    await first.release();
    expect(await readdir(dir)).toEqual([]);
    const second = await ClusterLock.acquire(dir, 'script');
    await second.release();
  });

  it('is held by a live process whose start time matches', async () => {
    const dir = await tempDir();
    const other = await otherProcess();
    await writeLock(dir, { pid: other.pid, startTime: await processStartTime(other.pid), since, holder: 'app', port: null });
    const busy = await ClusterLock.acquire(dir, 'web').catch((err: unknown) => err);
    expect(busy).toBeInstanceOf(ClusterBusyError);
    expect((busy as ClusterBusyError).owner.pid).toBe(other.pid);
  });

  it('takes over a lock whose owner died', async () => {
    const dir = await tempDir();
    const other = await otherProcess();
    const startTime = await processStartTime(other.pid);
    await writeLock(dir, { pid: other.pid, startTime, since, holder: 'web', port: 4567 });
    const exited = new Promise((resolve) => other.once('exit', resolve));
    other.kill('SIGKILL');
    await exited;

    const lock = await ClusterLock.acquire(dir, 'web');
    const record = JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8')) as LockOwner;
    expect(record).toMatchObject({ pid: process.pid, holder: 'web', port: null });
    await lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (pid reuse)', async () => {
    const dir = await tempDir();
    const other = await otherProcess();
    const startTime = await processStartTime(other.pid);
    expect(startTime).not.toBeNull();
    // The recorded process started at another time: the pid is alive, but it is not the owner.
    await writeLock(dir, { pid: other.pid, startTime: `${startTime}0`, since, holder: 'web', port: 4567 });
    const lock = await ClusterLock.acquire(dir, 'app');
    expect((JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8')) as LockOwner).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a stale lock whose previous taker crashed in the middle of taking it over', async () => {
    const dir = await tempDir();
    const file = path.join(dir, LOCK_FILE);
    const stale = JSON.stringify({ pid: 2 ** 22 + 1, startTime: '1', since, holder: 'web', port: null });
    await writeFile(file, stale);
    await writeFile(takeoverMarker(file, stale), JSON.stringify({ pid: 2 ** 22 + 2, startTime: '1', since, holder: 'app', port: null }));
    const lock = await ClusterLock.acquire(dir, 'web');
    expect((JSON.parse(await readFile(file, 'utf8')) as LockOwner).pid).toBe(process.pid);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('gives a stale lock to exactly one of many processes taking it at once', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: 2 ** 22 + 1, startTime: '1', since, holder: 'web', port: null });
    const lockModule = new URL('../../../electron/manager/supervision/cluster-lock.ts', import.meta.url).href;
    // Each taker loads the code, says it is ready, and on "go" (sent to all at once) takes the
    // lock and keeps it (or reports who has it) until the test ends it.
    const script = `
      const { ClusterLock } = await import(${JSON.stringify(lockModule)});
      process.stdin.once('data', async () => {
        try { await ClusterLock.acquire(process.argv[1], 'web'); console.log('took'); }
        catch (err) { console.log(err.name); }
      });
      console.log('ready');`;
    const takers = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
      cleanups.push(async () => {
        child.kill('SIGKILL');
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      return { child, lines: () => out.trim().split('\n') };
    });
    await waitFor('every taker ready', () => takers.every((t) => t.lines()[0] === 'ready'), 60_000);
    for (const { child } of takers) child.stdin.write('go\n');
    const results = await waitFor('every taker to answer', () => {
      const all = takers.map((t) => t.lines()[1]);
      return all.every(Boolean) ? all : undefined;
    }, 30_000);
    expect(results.filter((r) => r === 'took')).toHaveLength(1);
    expect(results.filter((r) => r === 'ClusterBusyError')).toHaveLength(5);
    // Six processes each load TypeScript through tsx (over a second apiece on a loaded two-core
    // machine): the bound is the waits' own, not the unit project's default of 5 s.
  }, 120_000);
});
