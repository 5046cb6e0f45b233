// A write sent again under its request id (a forwarding node's resend after its leader died, or a
// client's retry with the same Idempotency-Key) is answered with its first outcome, never applied
// twice, on every replica alike.
import { describe, expect, it } from 'vitest';
import { encodeCommand, type Command } from '../../../node-runtime/fsm/commands';
import { MAX_RECORDED_REQUESTS, REQUEST_ID_TTL_MS, RequestTable, type RecordedRefusal, type RecordedRequest } from '../../../node-runtime/fsm/request-table';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { decodeSnapshot, encodeSnapshot } from '../../../node-runtime/fsm/snapshot-codec';
import { Driver, put } from './builders';

describe('a repeated request id', () => {
  it('answers a put with the first outcome and changes nothing', () => {
    const d = new Driver();
    const first = d.ok(put('a.txt', 10, 100, { requestId: 'r1' }));
    const before = d.machine.get('a.txt');
    const again = d.ok(put('a.txt', 10, 200, { requestId: 'r1' }));
    expect(again).toEqual({ ok: true, type: 'put', file: before, previous: null, repeatOf: 1 });
    expect(first.type === 'put' && first.file).toEqual(before);
    expect(d.machine.get('a.txt')).toEqual(before);
    expect(d.machine.get('a.txt')?.version).toBe(1);
  });

  it('never lets a conditional put succeed twice: the repeat is the first success, a new id conflicts', () => {
    const d = new Driver();
    d.ok(put('c.txt', 1, 1));
    d.ok(put('c.txt', 2, 2, { expectedVersion: 1, requestId: 'cas' }));
    const repeat = d.ok(put('c.txt', 2, 3, { expectedVersion: 1, requestId: 'cas' }));
    expect(repeat).toMatchObject({ repeatOf: 2, file: { version: 2, revision: 2 } });
    expect(d.rejected(put('c.txt', 2, 4, { expectedVersion: 1, requestId: 'other' }))).toMatchObject({ code: 'conflict', actualVersion: 2 });
    expect(d.machine.get('c.txt')).toMatchObject({ version: 2, revision: 2 });
  });

  it('answers a delete whose file is gone with the deleted file, where a plain repeat is not_found', () => {
    const d = new Driver();
    d.ok(put('d.txt', 5, 1));
    const first = d.ok({ type: 'delete', name: 'd.txt', at: 2, requestId: 'del' });
    expect(d.ok({ type: 'delete', name: 'd.txt', at: 3, requestId: 'del' })).toEqual({ ...first, repeatOf: 2 });
    expect(d.rejected({ type: 'delete', name: 'd.txt', at: 4 })).toMatchObject({ code: 'not_found' });
  });

  it('refuses an id already used by another write: another name, another content or another kind', () => {
    const d = new Driver();
    d.ok(put('x', 3, 1, { requestId: 'k' }));
    expect(d.rejected(put('y', 3, 2, { requestId: 'k' }))).toEqual({ code: 'request_id_reused', requestId: 'k', name: 'x' });
    expect(d.rejected(put('x', 4, 3, { requestId: 'k' }))).toMatchObject({ code: 'request_id_reused' });
    expect(d.rejected({ type: 'delete', name: 'x', at: 4, requestId: 'k' })).toMatchObject({ code: 'request_id_reused' });
    expect(d.machine.get('x')).toMatchObject({ size: 3, version: 1 });
  });

  it('checks a new attempt at a refused write afresh: its id may still carry the write once it can apply', () => {
    const d = new Driver();
    d.ok(put('q', 1, 1));
    expect(d.rejected(put('q', 2, 2, { expectedVersion: 0, requestId: 'late' }))).toMatchObject({ code: 'conflict' });
    d.ok({ type: 'delete', name: 'q', at: 3 });
    expect(d.ok(put('q', 2, 4, { expectedVersion: 0, requestId: 'late' }))).not.toHaveProperty('repeatOf');
  });

  it('forgets an id REQUEST_ID_TTL_MS of log time after its write, and the oldest beyond the bound', () => {
    const d = new Driver();
    d.ok(put('t', 1, 1_000, { requestId: 'old' }));
    d.ok({ type: 'tick', at: 1_000 + REQUEST_ID_TTL_MS - 1 });
    expect(d.machine.recordedRequest('old')).toBeDefined();
    d.ok({ type: 'tick', at: 1_000 + REQUEST_ID_TTL_MS });
    expect(d.machine.recordedRequest('old')).toBeUndefined();

    for (let i = 0; i <= MAX_RECORDED_REQUESTS; i += 1) d.ok(put(`n${i % 7}`, 1, 2_000_000, { requestId: `id-${i}` }));
    expect(d.machine.recordedRequest('id-0')).toBeUndefined();
    expect(d.machine.recordedRequest('id-1')).toBeDefined();
    expect(d.machine.recordedRequest(`id-${MAX_RECORDED_REQUESTS}`)).toBeDefined();
  });

  it('is kept in snapshots: a restored replica answers the repeat the same way, and forgets on the same entry', () => {
    const d = new Driver();
    d.ok(put('s', 4, 10, { requestId: 'snap' }));
    d.ok({ type: 'tick', at: 20 });
    const restored = new Driver(StateMachine.fromSnapshot(d.machine.snapshot()));
    expect(restored.machine.snapshot()).toEqual(d.machine.snapshot());
    expect(restored.ok(put('s', 4, 30, { requestId: 'snap' }))).toEqual(d.ok(put('s', 4, 30, { requestId: 'snap' })));
    restored.ok({ type: 'tick', at: 10 + REQUEST_ID_TTL_MS });
    d.ok({ type: 'tick', at: 10 + REQUEST_ID_TTL_MS });
    expect(restored.machine.recordedRequest('snap')).toBeUndefined();
    expect(restored.machine.snapshot()).toEqual(d.machine.snapshot());
  });

  it('restores a format-2 snapshot (from before request ids) with none recorded, and writes the current format (4)', () => {
    const json = JSON.stringify({ appliedIndex: 3, logTime: 9, files: [], locks: [], config: [] });
    const m = StateMachine.fromSnapshot(new Uint8Array([2, ...new TextEncoder().encode(json)]));
    expect(m.lastApplied()).toBe(3);
    expect(m.recordedRequest('any')).toBeUndefined();
    expect(m.snapshot()[0]).toBe(4);
  });
});

// A follower relaying a small write proposes the same entry again when its leader changes or its
// link lost messages (services/proposal-relay.ts), and answers its client from the first copy it
// applies. A later copy must not undo that answer.
describe('a refused write under a request id (command format 4)', () => {
  const lock = (at: number): Command => ({ type: 'lockAcquire', name: 'f.txt', owner: 'someone', token: 'tok', ttlMs: 60_000, at });
  const unlock = (at: number): Command => ({ type: 'lockRelease', name: 'f.txt', token: 'tok', at });

  it('answers another copy of the refused proposal with its refusal, even once the write could apply', () => {
    const d = new Driver();
    d.ok(lock(1));
    const copy = put('f.txt', 3, 100, { requestId: 'relayed' });
    const first = d.rejected(copy);
    expect(first).toMatchObject({ code: 'locked', name: 'f.txt' });
    d.ok(unlock(200));
    expect(d.rejected(copy)).toEqual(first);
    expect(d.machine.get('f.txt')).toBeUndefined();
  });

  it('checks a new attempt under the id afresh (another time), and its success then answers every copy', () => {
    const d = new Driver();
    d.ok(lock(1));
    const copy = put('f.txt', 3, 100, { requestId: 'retried' });
    d.rejected(copy);
    d.ok(unlock(200));
    const retry = d.ok(put('f.txt', 3, 300, { requestId: 'retried' }));
    expect(retry).not.toHaveProperty('repeatOf');
    expect(d.machine.get('f.txt')).toMatchObject({ version: 1 });
    expect(d.ok(copy)).toMatchObject({ repeatOf: 4 });
    expect(d.machine.get('f.txt')).toMatchObject({ version: 1 });
  });

  it('keeps a refused delete refused: a copy applied after the file was created deletes nothing', () => {
    const d = new Driver();
    const copy: Command = { type: 'delete', name: 'g.txt', at: 10, requestId: 'del' };
    expect(d.rejected(copy)).toMatchObject({ code: 'not_found' });
    d.ok(put('g.txt', 2, 20));
    expect(d.rejected(copy)).toMatchObject({ code: 'not_found' });
    expect(d.machine.get('g.txt')).toBeDefined();
  });

  it('is not recorded from entries of format 3, which releases before format 4 apply as they always did', () => {
    const machine = new StateMachine();
    const copy = put('f.txt', 3, 100, { requestId: 'old-format' });
    let index = 0;
    const applyAs = (command: Command, format: number) => machine.applyEntry((index += 1), encodeCommand(command, format));
    applyAs(lock(1), 3);
    expect(applyAs(copy, 3)).toMatchObject({ ok: false, rejection: { code: 'locked' } });
    expect(machine.recordedRequest('old-format')).toBeUndefined();
    applyAs(unlock(200), 3);
    expect(applyAs(copy, 3)).toMatchObject({ ok: true, type: 'put' });

    const newer = new StateMachine();
    index = 0;
    const applyNew = (command: Command) => newer.applyEntry((index += 1), encodeCommand(command, 4));
    applyNew(lock(1));
    applyNew(copy);
    applyNew(unlock(200));
    expect(applyNew(copy)).toMatchObject({ ok: false, rejection: { code: 'locked' } });
  });

  it('is kept in snapshots (format 6 or 7 while one is recorded, 4 or 5 again once it expired): a restored replica answers the copy alike', () => {
    const d = new Driver();
    d.ok(lock(1));
    const copy = put('f.txt', 3, 100, { requestId: 'snap' });
    d.rejected(copy);
    d.ok(unlock(200));
    const bytes = d.machine.snapshot();
    expect(bytes[0]).toBe(7);
    const restored = new Driver(StateMachine.fromSnapshot(bytes));
    expect(restored.machine.snapshot()).toEqual(bytes);
    expect(restored.apply(copy)).toEqual(d.apply(copy));
    expect(restored.machine.get('f.txt')).toBeUndefined();

    d.ok({ type: 'tick', at: 100 + REQUEST_ID_TTL_MS });
    expect(d.machine.recordedRequest('snap')).toBeUndefined();
    expect(d.machine.snapshot()[0]).toBe(4);
  });

  it('refuses a snapshot of a format before refusals (4 or 5) that holds one', () => {
    const d = new Driver();
    d.rejected({ type: 'delete', name: 'h.txt', at: 5, requestId: 'gone' });
    const state = decodeSnapshot(d.machine.snapshot());
    expect(state.requests[0]).toMatchObject({ id: 'gone', rejection: { code: 'not_found' } });
    const bytes = encodeSnapshot(state);
    expect(bytes[0]).toBe(7);
    bytes[0] = 4;
    expect(() => StateMachine.fromSnapshot(bytes)).toThrow(/requests\.0: a refused write in a snapshot of format 4/);
  });
});

describe('the request table', () => {
  const recorded = (i: number): RecordedRequest => ({ id: `id-${i}`, index: i + 1, at: 1_000 + i, type: 'delete', file: { name: 'a.txt', size: 0, sha256: 'e'.repeat(64), chunks: [], version: 1, revision: 1, createdAt: 0, modifiedAt: 0 } });

  it('keeps the newest MAX_RECORDED_REQUESTS in order through many rounds past the bound, and expires from the oldest', () => {
    const table = new RequestTable();
    const total = 3 * MAX_RECORDED_REQUESTS + 17;
    for (let i = 0; i < total; i += 1) table.record(recorded(i));
    const kept = table.list();
    expect(kept.map((r) => r.id)).toEqual(Array.from({ length: MAX_RECORDED_REQUESTS }, (_, k) => `id-${total - MAX_RECORDED_REQUESTS + k}`));
    expect(table.get(`id-${total - MAX_RECORDED_REQUESTS - 1}`)).toBeUndefined();

    // Log time reaches the TTL of the oldest 100 kept: exactly those go.
    const firstKept = total - MAX_RECORDED_REQUESTS;
    table.expire(1_000 + firstKept + 99 + REQUEST_ID_TTL_MS);
    expect(table.list()[0]?.id).toBe(`id-${firstKept + 100}`);
    expect(table.list()).toHaveLength(MAX_RECORDED_REQUESTS - 100);

    const copy = new RequestTable();
    copy.load(table.list());
    expect(copy.list()).toEqual(table.list());
    copy.record(recorded(total));
    expect(copy.list().at(-1)?.id).toBe(`id-${total}`);
  });

  it('replaces a refusal by a later outcome under its id, which then expires and counts against the bound once', () => {
    const refusal: RecordedRefusal = { id: 'id-0', index: 1, at: 1_000, type: 'delete', name: 'a.txt', proposedAt: 999, rejection: { code: 'not_found', name: 'a.txt' } };
    const table = new RequestTable();
    table.record(refusal);
    table.record(recorded(1));
    const success = { ...recorded(5), id: 'id-0' };
    table.record(success);
    expect(table.get('id-0')).toBe(success);
    expect(table.list().map((r) => r.index)).toEqual([2, 6]);
    // The refusal's own time passes: the success recorded later stays.
    table.expire(1_000 + REQUEST_ID_TTL_MS);
    expect(table.get('id-0')).toBe(success);
    for (let i = 10; i < 10 + MAX_RECORDED_REQUESTS - 2; i += 1) table.record(recorded(i));
    expect(table.list()).toHaveLength(MAX_RECORDED_REQUESTS);
    expect(table.get('id-1')).toBeDefined();
  });
});
