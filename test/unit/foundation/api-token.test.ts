// Where the client API token comes from, on real files: --api-token-file wins over DFS_API_TOKEN,
// and a file that is missing or empty, or a token with whitespace, stops the start with one line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiToken } from '../../../node-runtime/node/api-token';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-api-token-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadApiToken', () => {
  it('is null when neither the file nor the environment sets one', async () => {
    expect(await loadApiToken(undefined, undefined)).toBeNull();
    expect(await loadApiToken(undefined, '')).toBeNull();
  });

  it('reads the file (trimmed), which wins over the environment', async () => {
    const file = path.join(dir, 'token');
    await writeFile(file, '  from-file\n');
    expect(await loadApiToken(file, 'from-env')).toBe('from-file');
    expect(await loadApiToken(undefined, 'from-env')).toBe('from-env');
  });

  it('refuses a missing or empty file and a token with whitespace, naming the problem', async () => {
    await expect(loadApiToken(path.join(dir, 'missing'), undefined)).rejects.toThrow(/cannot read the API token file .*ENOENT/);
    const empty = path.join(dir, 'empty');
    await writeFile(empty, '\n');
    await expect(loadApiToken(empty, undefined)).rejects.toThrow(/is empty/);
    await expect(loadApiToken(undefined, 'two words')).rejects.toThrow(/whitespace/);
  });
});
