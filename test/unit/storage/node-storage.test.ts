import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { DataDirLockedError } from '../../../node-runtime/storage/data-dir-lock';
import { NodeIdentityMismatchError, RecoveryError } from '../../../node-runtime/storage/errors';
import { NodeStorage } from '../../../node-runtime/storage/node-storage';
import { useTempDirs } from './temp-dir';
import { CONF, entries, snapshotAt } from './wal-fixtures';

const tempDir = useTempDirs();
const identity = { clusterId: 'test-cluster', nodeId: 1 };

/** What a node does after applying up to `index`: snapshot, mark it in the WAL, compact. */
async function takeSnapshot(storage: NodeStorage, index: number, term: number, state: string): Promise<void> {
  await storage.snapshots.save({ metadata: snapshotAt(index, term), data: new TextEncoder().encode(state) });
  await storage.wal.markSnapshot(snapshotAt(index, term));
  await storage.wal.compact(index);
}

describe('NodeStorage', () => {
  it('restarts into the same Raft state, mirrored into MemoryStorage', async () => {
    const dataDir = await tempDir();
    const first = await NodeStorage.open(dataDir, { identity, wal: { segmentBytes: 512 } });
    expect(first.restored).toEqual({ hardState: { term: 0, vote: 0, commit: 0 }, entries: [], firstStart: true, pack: { records: 0, discarded: [], damage: [] } });
    const { storage } = first;
    await storage.wal.save({ entries: entries(1, 30, 1), hardState: { term: 1, vote: 1, commit: 25 }, sync: true });
    await takeSnapshot(storage, 20, 1, 'fsm at 20');
    await storage.wal.save({ entries: entries(28, 31, 2), hardState: { term: 2, vote: 1, commit: 27 }, sync: true });
    await storage.close();

    const { storage: again, restored } = await NodeStorage.open(dataDir, { identity, wal: { segmentBytes: 512 } });
    expect(restored.firstStart).toBe(false);
    expect(restored.snapshot?.metadata).toEqual(snapshotAt(20, 1));
    const memory = new MemoryStorage();
    if (restored.snapshot !== undefined) memory.applySnapshot(await again.snapshots.load(restored.snapshot));
    memory.append(restored.entries);
    memory.setHardState(restored.hardState);
    expect(memory.firstIndex()).toBe(21);
    expect(memory.lastIndex()).toBe(31);
    expect(memory.term(20)).toBe(1);
    expect(memory.term(27)).toBe(1);
    expect(memory.term(28)).toBe(2);
    expect(memory.initialState()).toEqual({ hardState: { term: 2, vote: 1, commit: 27 }, confState: CONF });
    expect(new TextDecoder().decode(memory.snapshot().data)).toBe('fsm at 20');
    await again.close();
  });

  it('refuses to start when the snapshot the WAL relies on is gone', async () => {
    const dataDir = await tempDir();
    const { storage } = await NodeStorage.open(dataDir, { identity });
    await storage.wal.save({ entries: entries(1, 5, 1), sync: true });
    await takeSnapshot(storage, 5, 1, 'fsm');
    await storage.close();
    for (const { file } of await storage.snapshots.list()) await fs.unlink(file);
    await expect(NodeStorage.open(dataDir, { identity })).rejects.toBeInstanceOf(RecoveryError);
  });

  it('refuses to start when the snapshot the WAL relies on is damaged, and reads a good one once, whole', async () => {
    const dataDir = await tempDir();
    const { storage } = await NodeStorage.open(dataDir, { identity });
    await storage.wal.save({ entries: entries(1, 5, 1), sync: true });
    await takeSnapshot(storage, 5, 1, 'fsm at 5');
    await storage.close();
    const good = await NodeStorage.open(dataDir, { identity });
    expect(new TextDecoder().decode(good.restored.snapshot?.data)).toBe('fsm at 5');
    await good.storage.close();

    const [stored] = await storage.snapshots.list();
    if (stored === undefined) throw new Error('no snapshot was written');
    const bytes = await fs.readFile(stored.file);
    const last = bytes.length - 41; // the last byte of the data, before the trailer (length + SHA-256)
    bytes.writeUInt8((bytes.readUInt8(last) ^ 0xff) & 0xff, last);
    await fs.writeFile(stored.file, bytes);
    await expect(NodeStorage.open(dataDir, { identity })).rejects.toThrow(/corrupt/);
  });

  it('refuses another node identity and a second process, and releases the lock on failure', async () => {
    const dataDir = await tempDir();
    const { storage } = await NodeStorage.open(dataDir, { identity });
    await expect(NodeStorage.open(dataDir, { identity })).rejects.toBeInstanceOf(DataDirLockedError);
    await storage.close();
    await expect(NodeStorage.open(dataDir, { identity: { ...identity, nodeId: 2 } })).rejects.toBeInstanceOf(NodeIdentityMismatchError);
    const { storage: again } = await NodeStorage.open(dataDir, { identity });
    await again.close();
  });
});
