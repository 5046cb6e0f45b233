import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeCommand, type Command } from '../../../node-runtime/fsm/commands';
import { SnapshotFormatError } from '../../../node-runtime/fsm/snapshot-codec';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { SnapshotStore } from '../../../node-runtime/storage/snapshot-store';
import { hashOf, observable, put } from './builders';
import { workload } from './workload';

function run(machine: StateMachine, commands: readonly Command[], firstIndex: number): string[] {
  return commands.map((c, i) => JSON.stringify(machine.applyEntry(firstIndex + i, encodeCommand(c))));
}

describe('determinism', () => {
  it('two machines applying the same entries give identical results and byte-identical snapshots', () => {
    const commands = workload(42, 2000);
    const a = new StateMachine();
    const b = new StateMachine();
    const resultsA = run(a, commands, 1);
    const resultsB = run(b, commands, 1);
    expect(resultsA).toEqual(resultsB);
    expect(a.snapshot()).toEqual(b.snapshot());
    // The workload must actually exercise both outcomes to prove anything.
    expect(resultsA.some((r) => r.includes('"ok":false'))).toBe(true);
    expect(resultsA.filter((r) => r.includes('"ok":true')).length).toBeGreaterThan(500);
  });

  it('restore(snapshot) then continuing gives the same state as never stopping', () => {
    const commands = workload(7, 3000);
    const head = commands.slice(0, 1500);
    const tail = commands.slice(1500);
    const straight = new StateMachine();
    run(straight, commands, 1);

    const before = new StateMachine();
    run(before, head, 1);
    const resumed = StateMachine.fromSnapshot(before.snapshot());
    expect(resumed.snapshot()).toEqual(before.snapshot());
    expect(observable(resumed)).toEqual(observable(before));
    expect(resumed.lastApplied()).toBe(1500);
    run(resumed, tail, 1501);

    expect(resumed.snapshot()).toEqual(straight.snapshot());
    expect(observable(resumed)).toEqual(observable(straight));
  });

  it('snapshots list files in name order, whatever order they were written in', () => {
    const m = new StateMachine();
    m.apply(1, put('y', 1, 5));
    m.apply(2, put('x', 1, 5));
    const text = new TextDecoder().decode(m.snapshot());
    expect(text.indexOf('"name":"x"')).toBeLessThan(text.indexOf('"name":"y"'));
    // A restored copy holds its files in a different insertion order, yet snapshots identically.
    expect(StateMachine.fromSnapshot(m.snapshot()).snapshot()).toEqual(m.snapshot());
  });
});

describe('snapshot contents', () => {
  it('restores files, locks, config with sources, totals, chunk references, index and log time', () => {
    const m = new StateMachine();
    m.apply(1, { type: 'configSet', patch: { storageQuota: 999, chunkSize: 4096 }, source: 'flag', at: 10 });
    m.apply(2, put('docs/a', 100, 20));
    m.apply(3, { ...put('b', 10, 30), chunks: [{ hash: hashOf('c1'), size: 4 }, { hash: hashOf('c2'), size: 6 }] });
    m.apply(4, { type: 'lockAcquire', name: 'b', owner: 'alice', token: 'secret', ttlMs: 500, at: 40 });

    const copy = StateMachine.fromSnapshot(m.snapshot());
    expect(observable(copy)).toEqual(observable(m));
    expect(copy.lastApplied()).toBe(4);
    expect(copy.now()).toBe(40);
    expect(copy.clusterConfigLayered().sources.storageQuota).toBe('flag');
    expect(copy.lockOf('b')).toEqual({ name: 'b', owner: 'alice', token: 'secret', acquiredAt: 40, expiresAt: 540 });
    // The restored lease keeps working: it blocks writes and expires on schedule.
    expect(copy.apply(5, put('b', 1, 100))).toMatchObject({ ok: false, rejection: { code: 'locked' } });
    expect(copy.apply(6, { type: 'tick', at: 540 })).toEqual({ ok: true, type: 'tick', expiredLocks: ['b'] });
    // The restored quota is enforced.
    expect(copy.apply(7, put('c', 900, 600))).toMatchObject({ ok: false, rejection: { code: 'quota_exceeded', used: 110, limit: 999 } });
  });

  it('restore replaces everything that was there before', () => {
    const empty = new StateMachine().snapshot();
    const m = new StateMachine();
    m.apply(1, put('a', 1, 1));
    m.apply(2, { type: 'lockAcquire', name: 'z', owner: 'o', token: 't', ttlMs: 100, at: 2 });
    m.apply(3, { type: 'configSet', patch: { storageQuota: 5 }, at: 3 });
    m.restore(empty);
    expect(observable(m)).toEqual(observable(new StateMachine()));
    expect(m.lastApplied()).toBe(0);
  });

  it('reads a format-1 snapshot, whose files have no revision: each takes its version, then the Raft index that wrote it', () => {
    const file = { name: 'old.txt', size: 0, sha256: hashOf('old.txt'), chunks: [], version: 23, createdAt: 5, modifiedAt: 6 };
    const json = JSON.stringify({ appliedIndex: 30, logTime: 6, files: [file], locks: [], config: [] });
    const m = new StateMachine();
    m.restore(new Uint8Array([1, ...new TextEncoder().encode(json)]));
    expect(m.get('old.txt')).toMatchObject({ version: 23, revision: 23 });
    m.apply(31, put('old.txt', 1, 7, { expectedRevision: 23 }));
    expect(m.get('old.txt')).toMatchObject({ version: 24, revision: 31 });
    // What it writes now is the current format (4) and keeps the revision.
    const again = new StateMachine();
    again.restore(m.snapshot());
    expect(m.snapshot()[0]).toBe(4);
    expect(again.get('old.txt')).toMatchObject({ version: 24, revision: 31 });
  });

  it.each([
    ['garbage', new Uint8Array([1, 2, 3])],
    ['a command instead of a snapshot', encodeCommand({ type: 'tick', at: 1 })],
    ['unsorted files', withFiles(['b', 'a'])],
    ['duplicate files', withFiles(['a', 'a'])],
  ])('refuses %s with SnapshotFormatError and keeps the current state', (_what, bytes) => {
    const m = new StateMachine();
    m.apply(1, put('keep', 1, 1));
    expect(() => m.restore(bytes)).toThrow(SnapshotFormatError);
    expect(m.get('keep')).toBeDefined();
    expect(m.lastApplied()).toBe(1);
  });
});

describe('contents in a snapshot (format 4 carries them, format 5 names them)', () => {
  const inlineFile = { name: 'a.txt', size: 3, sha256: hashOf('abc'), chunks: [], version: 1, revision: 1, createdAt: 0, modifiedAt: 0 };
  const snapshotWith = (format: number, contents: unknown[]) =>
    new Uint8Array([format, ...new TextEncoder().encode(JSON.stringify({ appliedIndex: 1, logTime: 0, files: [inlineFile], contents, locks: [], config: [], requests: [] }))]);

  it.each([
    ['format 5 with bytes instead of a size', 5, [{ sha256: hashOf('abc'), data: 'YWJj' }]],
    ['format 4 with a size instead of bytes', 4, [{ sha256: hashOf('abc'), size: 3 }]],
    ['format 5 with an extra key', 5, [{ sha256: hashOf('abc'), size: 3, data: 'YWJj' }]],
    ['format 5 with a size that is not the file\'s', 5, [{ sha256: hashOf('abc'), size: 4 }]],
    ['format 5 with an uppercase SHA-256', 5, [{ sha256: hashOf('abc').toUpperCase(), size: 3 }]],
    ['format 5 without the content', 5, []],
  ])('refuses %s with SnapshotFormatError', (_what, format, contents) => {
    const m = new StateMachine();
    expect(() => m.restore(snapshotWith(format, contents))).toThrow(SnapshotFormatError);
    expect(m.lastApplied()).toBe(0);
  });

  it('refuses a well-formed format-5 snapshot into a state machine that keeps contents in memory, which cannot hold what it names', () => {
    expect(() => new StateMachine().restore(snapshotWith(5, [{ sha256: hashOf('abc'), size: 3 }]))).toThrow(/names small files' contents/);
    expect(StateMachine.fromSnapshot(snapshotWith(4, [{ sha256: hashOf('abc'), data: 'YWJj' }])).get('a.txt')?.size).toBe(3);
  });
});

function withFiles(names: string[]): Uint8Array {
  const file = (name: string) => ({ name, size: 0, sha256: hashOf(name), chunks: [], version: 1, createdAt: 0, modifiedAt: 0 });
  const json = JSON.stringify({ appliedIndex: 1, logTime: 0, files: names.map(file), locks: [], config: [] });
  return new Uint8Array([1, ...new TextEncoder().encode(json)]);
}

describe('a snapshot encoded in pieces', () => {
  it('has exactly the bytes of the format-4 snapshot written by the build before it (fixture), with inline contents', async () => {
    const dir = fileURLToPath(new URL('../../fixtures/data-format-4/node-1/snapshots', import.meta.url));
    const store = await SnapshotStore.open(dir);
    const stored = await store.newest();
    if (stored === undefined) throw new Error('the fixture holds no snapshot');
    const written = (await store.load(stored)).data;
    const machine = StateMachine.fromSnapshot(written);
    expect(machine.inlineBytesHeld(), 'the fixture has inline contents to encode').toBeGreaterThan(0);
    const pieces = [...machine.snapshotPieces()];
    expect(Buffer.concat(pieces).equals(Buffer.from(written))).toBe(true);
    expect(Buffer.from(machine.snapshot()).equals(Buffer.from(written))).toBe(true);
  });

  it('joins to snapshot() for a large state, in many pieces none of which is large', () => {
    const m = new StateMachine();
    for (let i = 0; i < 2500; i += 1) expect(m.apply(1 + i, put(`bulk/${String(i).padStart(5, '0')}`, 10 + (i % 90), 100_000 + i)).ok).toBe(true);
    const pieces = [...m.snapshotPieces()];
    const whole = Buffer.from(m.snapshot());
    expect(pieces.length).toBeGreaterThan(3);
    expect(Buffer.concat(pieces).equals(whole)).toBe(true);
    expect(Math.max(...pieces.map((p) => p.byteLength))).toBeLessThan(whole.byteLength / 2);
    expect(Buffer.from(StateMachine.fromSnapshot(whole).snapshot()).equals(whole)).toBe(true);
  });
});
