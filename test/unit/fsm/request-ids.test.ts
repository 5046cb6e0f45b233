// A write sent again under its request id (a forwarding node's resend after its leader died, or a
// client's retry with the same Idempotency-Key) is answered with its first outcome, never applied
// twice, on every replica alike.
import { describe, expect, it } from 'vitest';
import { MAX_RECORDED_REQUESTS, REQUEST_ID_TTL_MS, RequestTable, type RecordedRequest } from '../../../node-runtime/fsm/request-table';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
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

  it('does not record a rejected write: its id may still carry the write once it can apply', () => {
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
});
