import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../../node-runtime/storage/atomic-file';
import { DataDirLockedError, lockDataDir } from '../../../node-runtime/storage/data-dir-lock';
import { MetadataFileError, NodeIdentityMismatchError } from '../../../node-runtime/storage/errors';
import { ensureNodeIdentity, readNodeIdentity } from '../../../node-runtime/storage/node-identity';
import { waitFor } from '../../support/wait-for';
import { useTempDirs } from './temp-dir';

const tempDir = useTempDirs();

describe('atomic file writes', () => {
  it('replaces a file whole and leaves no temp file', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'config.json');
    await writeJsonAtomic(file, { quotaBytes: 1 });
    await writeJsonAtomic(file, { quotaBytes: 2, name: 'second' });
    expect(await readJsonFile(file)).toEqual({ quotaBytes: 2, name: 'second' });
    expect(await fs.readdir(dir)).toEqual(['config.json']);
    await writeFileAtomic(path.join(dir, 'raw.bin'), new Uint8Array([1, 2, 3]));
    expect(await fs.readFile(path.join(dir, 'raw.bin'))).toEqual(Buffer.from([1, 2, 3]));
  });

  it('reads a missing file as undefined and a damaged one as a typed error', async () => {
    const dir = await tempDir();
    expect(await readJsonFile(path.join(dir, 'absent.json'))).toBeUndefined();
    await fs.writeFile(path.join(dir, 'bad.json'), '{"half":');
    await expect(readJsonFile(path.join(dir, 'bad.json'))).rejects.toBeInstanceOf(MetadataFileError);
  });

  it('keeps the old content when the write fails', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'node.json');
    await writeJsonAtomic(file, { v: 1 });
    await expect(writeJsonAtomic(path.join(dir, 'missing-dir', 'x.json'), {})).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readJsonFile(file)).toEqual({ v: 1 });
  });
});

describe('node identity (node.json)', () => {
  it('is recorded on first start and checked afterwards', async () => {
    const dir = await tempDir();
    expect(await readNodeIdentity(dir)).toBeUndefined();
    expect(await ensureNodeIdentity(dir, { clusterId: 'c-1', nodeId: 2 })).toEqual({ identity: { clusterId: 'c-1', nodeId: 2 }, created: true });
    expect(await ensureNodeIdentity(dir, { clusterId: 'c-1', nodeId: 2 })).toEqual({ identity: { clusterId: 'c-1', nodeId: 2 }, created: false });
    await expect(ensureNodeIdentity(dir, { clusterId: 'c-1', nodeId: 3 })).rejects.toMatchObject({ name: 'NodeIdentityMismatchError', field: 'nodeId', stored: 2, requested: 3 });
    await expect(ensureNodeIdentity(dir, { clusterId: 'other', nodeId: 2 })).rejects.toBeInstanceOf(NodeIdentityMismatchError);
  });

  it('rejects a node.json with missing fields', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'node.json'), JSON.stringify({ formatVersion: 1, clusterId: 'c' }));
    await expect(readNodeIdentity(dir)).rejects.toThrow(/nodeId must be a positive integer/);
  });
});

describe('data directory lock', () => {
  it('admits one holder at a time and takes over a lock whose owner died', async () => {
    const dir = await tempDir();
    const lock = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    await lock.release();
    const again = await lockDataDir(dir);
    await again.release();

    // A pid far above any pid_max is never alive: a stale lock from a crashed process.
    await fs.writeFile(path.join(dir, 'LOCK'), '2147483646\n');
    const takenOver = await lockDataDir(dir);
    expect((await fs.readFile(path.join(dir, 'LOCK'), 'utf8')).trim()).toBe(String(process.pid));
    await takenOver.release();
  });

  it('is never seen without its owner: of processes starting at once, exactly one holds it, every round', { timeout: 60_000 }, async () => {
    // Each racer says it is ready, waits for "go" on stdin, tries the lock, says whether it won, and
    // holds it until its stdin ends; all are told "go" together.
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
      // The winner's lock names it, and no racer left its own file behind.
      const winner = racers[results.indexOf('won')]!.child.pid;
      expect(await fs.readdir(dir)).toEqual(['LOCK']);
      expect((await fs.readFile(path.join(dir, 'LOCK'), 'utf8')).trim()).toBe(String(winner));
      for (const r of racers) r.child.stdin.end();
      await Promise.all(racers.map((r) => r.exited));
    }
  });

  it('refuses while another live process holds it', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'LOCK'), `${process.ppid}\n`);
    await expect(lockDataDir(dir)).rejects.toMatchObject({ name: 'DataDirLockedError', ownerPid: process.ppid });
  });
});
