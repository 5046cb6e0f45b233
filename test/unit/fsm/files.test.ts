import { describe, expect, it } from 'vitest';
import { Driver, hashOf, observable, put } from './builders';
import { rejectionToApiError } from '../../../node-runtime/fsm/outcomes';

describe('put', () => {
  it('stores size, hash, chunks, version 1, its log index as revision, timestamps from the entry', () => {
    const d = new Driver();
    const result = d.ok(put('docs/a.txt', 10, 1000));
    expect(result).toMatchObject({ type: 'put', previous: null });
    expect(d.machine.get('docs/a.txt')).toEqual({
      name: 'docs/a.txt',
      size: 10,
      sha256: hashOf('file:docs/a.txt:10'),
      chunks: [{ hash: hashOf('docs/a.txt:10'), size: 10 }],
      version: 1,
      revision: 1,
      createdAt: 1000,
      modifiedAt: 1000,
    });
    expect(d.machine.totals()).toEqual({ files: 1, bytes: 10 });
    expect(d.machine.lastApplied()).toBe(1);
    expect(d.machine.now()).toBe(1000);
  });

  it('overwrites: version one more (not the log index), new modifiedAt, createdAt kept, previous returned', () => {
    const d = new Driver();
    d.ok(put('a', 10, 1000));
    d.ok(put('other', 1, 1200));
    d.ok({ type: 'tick', at: 1500 });
    const result = d.ok(put('a', 4, 2000));
    expect(result.type === 'put' && result.previous?.size).toBe(10);
    expect(d.machine.get('a')).toMatchObject({ size: 4, version: 2, createdAt: 1000, modifiedAt: 2000 });
    expect(d.machine.totals()).toEqual({ files: 2, bytes: 5 });
    d.ok(put('a', 5, 2100));
    expect(d.machine.get('a')?.version).toBe(3);
    expect(d.machine.get('other')?.version).toBe(1);
  });

  it('accepts an empty file with no chunks', () => {
    const d = new Driver();
    d.ok(put('empty', 0, 1));
    expect(d.machine.get('empty')).toMatchObject({ size: 0, chunks: [] });
    expect(d.machine.totals()).toEqual({ files: 1, bytes: 0 });
  });

  it('rejects chunk lists that do not add up to the size', () => {
    const d = new Driver();
    const rejection = d.rejected({ ...put('a', 10, 1), size: 11 });
    expect(rejection.code).toBe('bad_request');
    expect(d.machine.totals()).toEqual({ files: 0, bytes: 0 });
  });

  it('rejects names that are invalid or not normalised', () => {
    const d = new Driver();
    expect(d.rejected(put('../x', 1, 1))).toMatchObject({ code: 'name_invalid', problem: 'dot_segment' });
    expect(d.rejected(put('status', 1, 1))).toMatchObject({ code: 'name_invalid', problem: 'reserved' });
    expect(d.rejected(put('cafe\u0301', 1, 1))).toMatchObject({ code: 'name_invalid', problem: 'not_normalized' });
    expect(d.machine.totals().files).toBe(0);
  });

  it('rejects malformed commands as bad_request and still advances the index', () => {
    const d = new Driver();
    const rejection = d.rejected({ ...put('a', 1, 1), sha256: 'XYZ' });
    expect(rejection.code).toBe('bad_request');
    expect(d.machine.lastApplied()).toBe(1);
  });

  it('honours expectedVersion: 0 means create-only, otherwise the current version', () => {
    const d = new Driver();
    d.ok(put('a', 1, 1, { expectedVersion: 0 }));
    expect(d.rejected(put('a', 2, 2, { expectedVersion: 0 }))).toEqual({ code: 'conflict', name: 'a', expectedVersion: 0, actualVersion: 1 });
    d.ok(put('a', 3, 3, { expectedVersion: 1 }));
    expect(d.rejected(put('a', 4, 4, { expectedVersion: 1 }))).toMatchObject({ code: 'conflict', actualVersion: 2 });
    expect(d.machine.get('a')?.size).toBe(3);
  });

  it('gives each write its log index as revision, which a delete and re-create never repeats (no ABA), unlike version', () => {
    const d = new Driver();
    d.ok(put('a', 1, 1)); // index 1
    const read = d.machine.get('a');
    expect(read).toMatchObject({ version: 1, revision: 1 });
    d.ok({ type: 'delete', name: 'a', at: 2 }); // index 2
    d.ok(put('a', 9, 3)); // index 3: version 1 again, a new revision
    expect(d.machine.get('a')).toMatchObject({ version: 1, revision: 3 });
    // A writer that read the first file: its version still matches, its revision does not.
    expect(d.rejected(put('a', 4, 4, { expectedRevision: read?.revision }))).toEqual({ code: 'conflict', name: 'a', expectedRevision: 1, actualRevision: 3 });
    expect(d.rejected(put('a', 4, 5, { expectedRevision: 0 }))).toMatchObject({ code: 'conflict', actualRevision: 3 });
    expect(d.rejected(put('a', 4, 6, { expectedVersion: 1, expectedRevision: 1 }))).toMatchObject({ code: 'conflict', expectedRevision: 1 });
    d.ok(put('a', 4, 7, { expectedRevision: 3 })); // index 7
    expect(d.machine.get('a')).toMatchObject({ size: 4, version: 2, revision: 7 });
    expect(d.rejected({ type: 'delete', name: 'a', at: 8, expectedRevision: 3 })).toMatchObject({ code: 'conflict', actualRevision: 7 });
  });
});

describe('delete', () => {
  it('removes the file and frees its bytes', () => {
    const d = new Driver();
    d.ok(put('a', 10, 1));
    d.ok(put('b', 5, 2));
    const result = d.ok({ type: 'delete', name: 'a', at: 3 });
    expect(result.type === 'delete' && result.file.size).toBe(10);
    expect(d.machine.get('a')).toBeUndefined();
    expect(d.machine.totals()).toEqual({ files: 1, bytes: 5 });
  });

  it('rejects a missing file with not_found', () => {
    const d = new Driver();
    expect(d.rejected({ type: 'delete', name: 'nope', at: 1 })).toEqual({ code: 'not_found', name: 'nope' });
  });

  it('honours expectedVersion', () => {
    const d = new Driver();
    d.ok(put('a', 1, 1));
    expect(d.rejected({ type: 'delete', name: 'a', at: 2, expectedVersion: 7 })).toMatchObject({ code: 'conflict', actualVersion: 1 });
    d.ok({ type: 'delete', name: 'a', at: 3, expectedVersion: 1 });
  });

  it('gives a re-created file a fresh createdAt and starts its version again at 1', () => {
    const d = new Driver();
    d.ok(put('a', 1, 100));
    d.ok({ type: 'delete', name: 'a', at: 200 });
    d.ok(put('a', 1, 300));
    expect(d.machine.get('a')).toMatchObject({ createdAt: 300, modifiedAt: 300, version: 1 });
  });
});

describe('quota', () => {
  function withQuota(limit: number): Driver {
    const d = new Driver();
    d.ok({ type: 'configSet', patch: { storageQuota: limit }, at: 0 });
    return d;
  }

  it('counts logical bytes of all files against storageQuota', () => {
    const d = withQuota(100);
    d.ok(put('a', 60, 1));
    d.ok(put('b', 40, 2));
    expect(d.rejected(put('c', 1, 3))).toEqual({ code: 'quota_exceeded', name: 'c', used: 100, limit: 100, requested: 1 });
    expect(d.machine.totals()).toEqual({ files: 2, bytes: 100 });
  });

  it('counts an overwrite as the difference in size', () => {
    const d = withQuota(100);
    d.ok(put('a', 60, 1));
    d.ok(put('b', 30, 2));
    d.ok(put('a', 70, 3)); // 60 → 70 needs only 10 more: 100 exactly
    expect(d.machine.totals().bytes).toBe(100);
    expect(d.rejected(put('a', 71, 4))).toMatchObject({ code: 'quota_exceeded', used: 100, requested: 71 });
    d.ok(put('a', 10, 5));
    expect(d.machine.totals().bytes).toBe(40);
  });

  it('frees bytes on delete', () => {
    const d = withQuota(100);
    d.ok(put('a', 100, 1));
    expect(d.rejected(put('b', 1, 2)).code).toBe('quota_exceeded');
    d.ok({ type: 'delete', name: 'a', at: 3 });
    d.ok(put('b', 100, 4));
  });

  it('rejects a single file larger than the whole quota as file_too_large', () => {
    const d = withQuota(100);
    expect(d.rejected(put('big', 101, 1))).toEqual({ code: 'file_too_large', name: 'big', size: 101, limit: 100 });
  });

  it('rejects a file over maxFileBytes as file_too_large naming the setting, whatever room the quota leaves', () => {
    const d = withQuota(1000);
    d.ok({ type: 'configSet', patch: { maxFileBytes: 100 }, at: 2 });
    const rejection = d.rejected(put('big', 101, 3));
    expect(rejection).toEqual({ code: 'file_too_large', name: 'big', size: 101, limit: 100, setting: 'maxFileBytes' });
    expect(rejectionToApiError(rejection).detail).toBe('file "big" is 101 B, over the maximum file size of 100 B (setting maxFileBytes)');
    d.ok(put('fits', 100, 4));
  });

  it('after lowering the quota below usage, refuses growth but allows shrinking', () => {
    const d = withQuota(100);
    d.ok(put('a', 80, 1));
    d.ok({ type: 'configSet', patch: { storageQuota: 50 }, at: 2 });
    expect(d.rejected(put('b', 1, 3)).code).toBe('quota_exceeded');
    d.ok(put('a', 50, 4));
    expect(d.machine.totals().bytes).toBe(50);
  });

  it('leaves state unchanged on every rejection', () => {
    const d = withQuota(100);
    d.ok(put('a', 50, 1));
    const before = observable(d.machine);
    d.rejected(put('b', 51, 2));
    d.rejected(put('c', 101, 3));
    d.rejected({ type: 'delete', name: 'zzz', at: 4 });
    expect(observable(d.machine)).toEqual(before);
  });
});

describe('chunk references', () => {
  it('tracks the chunks files use, shared chunks counted once', () => {
    const d = new Driver();
    const shared = { hash: hashOf('shared'), size: 5 };
    const own = { hash: hashOf('own'), size: 5 };
    d.ok({ ...put('a', 10, 1), chunks: [shared, own] });
    d.ok({ ...put('b', 5, 2), chunks: [shared] });
    expect(d.machine.referencedChunkHashes()).toEqual([shared.hash, own.hash].sort());
    d.ok({ type: 'delete', name: 'a', at: 3 });
    expect(d.machine.referencedChunkHashes()).toEqual([shared.hash]);
    expect(d.machine.isChunkReferenced(own.hash)).toBe(false);
    d.ok({ ...put('b', 5, 4), chunks: [own] });
    expect(d.machine.referencedChunkHashes()).toEqual([own.hash]);
  });

  it('names every referenced chunk with its size (what a restarted node rescans), before and after a snapshot restore', () => {
    const d = new Driver();
    const shared = { hash: hashOf('shared'), size: 5 };
    const own = { hash: hashOf('own'), size: 7 };
    expect(d.machine.chunkSizes()).toEqual(new Map());
    d.ok({ ...put('a', 12, 1), chunks: [shared, own] });
    d.ok({ ...put('b', 5, 2), chunks: [shared] });
    d.ok({ ...put('c', 0, 3), chunks: [] });
    expect(d.machine.chunkSizes()).toEqual(new Map([[shared.hash, 5], [own.hash, 7]]));
    const restored = new Driver();
    restored.machine.restore(d.machine.snapshot());
    expect(restored.machine.chunkSizes()).toEqual(new Map([[shared.hash, 5], [own.hash, 7]]));
    d.ok({ type: 'delete', name: 'a', at: 4 });
    expect(d.machine.chunkSizes()).toEqual(new Map([[shared.hash, 5]]));
    d.ok({ type: 'delete', name: 'b', at: 5 });
    expect(d.machine.chunkSizes()).toEqual(new Map());
  });

  it('counts a chunk used twice in one file until the file is gone', () => {
    const d = new Driver();
    const c = { hash: hashOf('dup'), size: 3 };
    d.ok({ ...put('a', 6, 1), chunks: [c, c] });
    expect(d.machine.isChunkReferenced(c.hash)).toBe(true);
    d.ok({ type: 'delete', name: 'a', at: 2 });
    expect(d.machine.isChunkReferenced(c.hash)).toBe(false);
  });
});
