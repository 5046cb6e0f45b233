import { describe, expect, it } from 'vitest';
import { fileInfoSchema, fileListSchema, lockGrantSchema, lockInfoSchema } from '../../../node-runtime/common/api-types';
import { iso, toFileInfo, toFileList, toLockGrant, toLockInfo } from '../../../node-runtime/fsm/api-views';
import { Driver, put } from './builders';

describe('API views of records', () => {
  const d = new Driver();
  d.ok(put('docs/a', 5, Date.UTC(2026, 0, 2, 3, 4, 5)));
  d.ok({ type: 'lockAcquire', name: 'docs/a', owner: 'alice', token: 'secret', ttlMs: 1000, at: Date.UTC(2026, 0, 2, 3, 4, 6) });
  const file = d.machine.get('docs/a');
  const lock = d.machine.lockOf('docs/a');
  if (!file || !lock) throw new Error('setup failed');

  it('renders a file with ISO times, its chunks, lock and completeOn', () => {
    const info = toFileInfo(file, lock, [1, 3]);
    expect(fileInfoSchema.parse(info)).toEqual(info);
    expect(info).toMatchObject({ name: 'docs/a', size: 5, version: 1, createdAt: '2026-01-02T03:04:05.000Z', completeOn: [1, 3] });
    expect(info.lock).toEqual({ name: 'docs/a', owner: 'alice', acquiredAt: '2026-01-02T03:04:06.000Z', expiresAt: '2026-01-02T03:04:07.000Z' });
    expect(toFileInfo(file)).not.toHaveProperty('lock');
  });

  it('never shows the lock token except in the grant', () => {
    expect(JSON.stringify(toFileInfo(file, lock))).not.toContain('secret');
    expect(lockInfoSchema.parse(toLockInfo(lock))).not.toHaveProperty('token');
    expect(lockGrantSchema.parse(toLockGrant(lock)).token).toBe('secret');
  });

  it('renders a listing page', () => {
    const list = toFileList(d.machine.list(), (name) => d.machine.lockOf(name));
    expect(fileListSchema.parse(list)).toEqual(list);
    expect(list.items[0]).not.toHaveProperty('chunks');
    expect(list.items[0]?.lock?.owner).toBe('alice');
  });
});

describe('folder listings', () => {
  it('carries folders only when there are some', () => {
    const d = new Driver();
    d.ok(put('docs/sub/a', 1, 1));
    d.ok(put('b', 1, 2));
    const withFolders = toFileList(d.machine.list({ delimiter: '/' }), () => undefined);
    expect(fileListSchema.parse(withFolders)).toEqual(withFolders);
    expect(withFolders.folders).toEqual(['docs/']);
    expect(toFileList(d.machine.list(), () => undefined)).not.toHaveProperty('folders');
  });
});

describe('ISO times', () => {
  it('match toISOString at every millisecond of a second, across second, day and year boundaries, and out of four-digit years', () => {
    const around = [0, Date.UTC(2026, 11, 31, 23, 59, 59), Date.UTC(2024, 1, 29, 12), Date.UTC(9999, 11, 31, 23, 59, 59)];
    for (const start of around) for (let ms = start; ms < start + 1000 && ms <= Date.UTC(9999, 11, 31, 23, 59, 59, 999); ms++) expect(iso(ms)).toBe(new Date(ms).toISOString());
    // Back and forth between seconds, as a page sorted by name meets files written at different times.
    for (const ms of [1_796_620_270_911, 5, 1_796_620_270_001, 1_796_620_271_000, 1_796_620_270_999, 1_796_620_270_911.7]) expect(iso(ms)).toBe(new Date(ms).toISOString());
    for (const ms of [-1, -86_400_001, Date.UTC(10000, 0, 1), 8.64e15]) expect(iso(ms)).toBe(new Date(ms).toISOString());
    expect(() => iso(Number.NaN)).toThrow(RangeError);
  });
});
