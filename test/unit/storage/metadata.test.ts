import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../../node-runtime/storage/atomic-file';
import { MetadataFileError, NodeIdentityMismatchError } from '../../../node-runtime/storage/errors';
import { ensureNodeIdentity, readNodeIdentity } from '../../../node-runtime/storage/node-identity';
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
