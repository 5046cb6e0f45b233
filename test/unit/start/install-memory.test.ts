// A failed Electron download is remembered on disk for the retry interval, per Electron version.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileInstallMemory } from '../../../scripts/start/install-memory';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-install-memory-'));
  dirs.push(dir);
  return path.join(dir, 'nested');
}

describe('fileInstallMemory', () => {
  it('remembers a failure until the interval has passed, across instances', async () => {
    const dir = await tempDir();
    let now = Date.parse('2026-12-06T00:00:00Z');
    fileInstallMemory(dir, '42.0.0', 3_600_000, () => now).remember('offline');
    const later = fileInstallMemory(dir, '42.0.0', 3_600_000, () => now);
    now += 3_599_000;
    expect(later.failedRecently()).toEqual({ at: Date.parse('2026-12-06T00:00:00Z'), reason: 'offline' });
    now += 1_000;
    expect(later.failedRecently()).toBeNull();
  });

  it('forgets on success, and a different Electron version starts afresh', async () => {
    const dir = await tempDir();
    const memory = fileInstallMemory(dir, '42.0.0', 3_600_000);
    expect(memory.failedRecently()).toBeNull();
    memory.remember('offline');
    expect(fileInstallMemory(dir, '43.0.0', 3_600_000).failedRecently()).toBeNull();
    memory.forget();
    expect(memory.failedRecently()).toBeNull();
  });
});
