// The data directory's LOCK on a real disk, against real processes: one holder, a lock whose owner
// died or whose pid now names another process (pid reuse, a container's pid 1 after a crash), the
// lock format of earlier releases, and races of many starters on a free and on a stale lock.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir, parseLockOwner } from '../../../node-runtime/storage/data-dir-lock';
import { processStartTime } from '../../../node-runtime/storage/process-identity';
import { waitFor } from '../../support/wait-for';
import { useTempDirs } from './temp-dir';

const tempDir = useTempDirs();

/** A pid far above any pid_max: never alive, so a lock naming it is a crashed process's. */
const DEAD_PID = 2147483646;

async function lockOwner(dir: string) {
  return parseLockOwner(await fs.readFile(path.join(dir, 'LOCK'), 'utf8'));
}

async function thisProcess() {
  return { pid: process.pid, startTime: await processStartTime(process.pid) };
}

describe('data directory lock', () => {
  it('admits one holder at a time, naming its pid and start time, and is free after release', async () => {
    const dir = await tempDir();
    const lock = await lockDataDir(dir);
    expect(await lockOwner(dir)).toEqual(await thisProcess());
    await expect(lockDataDir(dir)).rejects.toMatchObject({ name: 'DataDirLockedError', ownerPid: process.pid });
    await lock.release();
    expect(await fs.readdir(dir)).toEqual([]);
    const again = await lockDataDir(dir);
    await again.release();
  });

  it('takes over a lock whose owner died, in the format of this release and of earlier ones (a pid alone)', async () => {
    const dir = await tempDir();
    for (const stale of [`${DEAD_PID} 12345\n`, `${DEAD_PID}\n`]) {
      await fs.writeFile(path.join(dir, 'LOCK'), stale);
      const lock = await lockDataDir(dir);
      expect(await lockOwner(dir)).toEqual(await thisProcess());
      await lock.release();
    }
  });

  it('takes over a lock naming this very pid from an earlier process (a container whose node is always pid 1)', async () => {
    const dir = await tempDir();
    // An earlier release's lock, or this release's with another start time: not this process.
    for (const stale of [`${process.pid}\n`, `${process.pid} 1\n`]) {
      await fs.writeFile(path.join(dir, 'LOCK'), stale);
      const lock = await lockDataDir(dir);
      expect(await lockOwner(dir)).toEqual(await thisProcess());
      await lock.release();
    }
  });

  it('refuses while another live process holds it, and takes it over once that pid names another process', async () => {
    const dir = await tempDir();
    const parent = process.ppid;
    const parentStart = await processStartTime(parent);
    await fs.writeFile(path.join(dir, 'LOCK'), `${parent} ${parentStart}\n`);
    await expect(lockDataDir(dir)).rejects.toMatchObject({ name: 'DataDirLockedError', ownerPid: parent });
    // An earlier release's lock names the pid alone: a live pid holds it.
    await fs.writeFile(path.join(dir, 'LOCK'), `${parent}\n`);
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    // The same pid with another start time: the process that wrote it is gone, its pid reused.
    await fs.writeFile(path.join(dir, 'LOCK'), `${parent} ${parentStart}0\n`);
    const lock = await lockDataDir(dir);
    expect(await lockOwner(dir)).toEqual(await thisProcess());
    await lock.release();
  });

  it('leaves a lock it no longer owns in place when released', async () => {
    const dir = await tempDir();
    const lock = await lockDataDir(dir);
    const other = `${process.ppid} ${await processStartTime(process.ppid)}\n`;
    await fs.writeFile(path.join(dir, 'LOCK'), other);
    await lock.release();
    expect(await fs.readFile(path.join(dir, 'LOCK'), 'utf8')).toBe(other);
  });

  for (const start of ['free', 'stale'] as const) {
    it(`is never held twice: of processes starting at once on a ${start} lock, exactly one holds it, every round`, { timeout: 60_000 }, async () => {
      // Each racer says it is ready, waits for "go" on stdin, tries the lock, says whether it won,
      // and holds it until its stdin ends; all are told "go" together.
      const racer = `
        import { lockDataDir } from ${JSON.stringify(path.resolve('node-runtime/storage/data-dir-lock.ts'))};
        process.stdin.once('data', async () => {
          const won = await lockDataDir(process.argv[1]).then(() => true, () => false);
          process.stdout.write(won ? 'won ' : 'lost ');
          process.stdin.on('end', () => process.exit(0)).resume();
        });
        process.stdout.write('ready ');`;
      for (let round = 0; round < 3; round++) {
        const dir = await tempDir();
        if (start === 'stale') await fs.writeFile(path.join(dir, 'LOCK'), `${DEAD_PID}\n`);
        const racers = Array.from({ length: 5 }, () => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', racer, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
          const said: string[] = [];
          child.stdout.on('data', (data: Buffer) => said.push(...data.toString().trim().split(' ')));
          return { child, said, exited: new Promise((resolve) => child.once('exit', resolve)) };
        });
        await waitFor('every racer to be ready', () => racers.every((r) => r.said.includes('ready')), 30_000);
        for (const r of racers) r.child.stdin.write('go\n');
        await waitFor('every racer to answer', () => racers.every((r) => r.said.length === 2), 30_000);
        const results = racers.map((r) => r.said[1]);
        expect(results.filter((r) => r === 'won'), `round ${round}: ${results.join(', ')}`).toHaveLength(1);
        // The winner's lock names it, and no racer left a file of its own behind.
        const winner = racers[results.indexOf('won')]!.child.pid as number;
        expect(await fs.readdir(dir)).toEqual(['LOCK']);
        expect(await lockOwner(dir)).toEqual({ pid: winner, startTime: await processStartTime(winner) });
        for (const r of racers) r.child.stdin.end();
        await Promise.all(racers.map((r) => r.exited));
      }
    });
  }
});
