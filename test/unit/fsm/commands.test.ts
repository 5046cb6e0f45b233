import { describe, expect, it } from 'vitest';
import { CommandDecodeError, decodeCommand, encodeCommand, type Command } from '../../../node-runtime/fsm/commands';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { hashOf, put } from './builders';

const everyCommand: Command[] = [
  put('docs/a.txt', 5, 1000, { lockToken: 'tok', expectedVersion: 3 }),
  { type: 'delete', name: 'docs/a.txt', at: 1001, lockToken: 'tok', expectedVersion: 4 },
  { type: 'lockAcquire', name: 'a', owner: 'alice', token: 'tok', ttlMs: 30_000, at: 1002 },
  { type: 'lockRenew', name: 'a', token: 'tok', ttlMs: 30_000, at: 1003 },
  { type: 'lockRelease', name: 'a', token: 'tok', at: 1004 },
  { type: 'configSet', patch: { storageQuota: 1, recoveryEnabled: false }, source: 'file', at: 1005 },
  { type: 'tick', at: 1006 },
];

const utf8 = new TextEncoder();

function withFormatByte(json: string): Uint8Array {
  return new Uint8Array([1, ...utf8.encode(json)]);
}

describe('command encoding', () => {
  it.each(everyCommand.map((c) => [c.type, c] as const))('round-trips %s', (_type, command) => {
    expect(decodeCommand(encodeCommand(command))).toEqual(command);
  });

  it('keeps non-ASCII names intact', () => {
    const command = put('日本/caf\u00e9 🎉.txt', 1, 1);
    expect(decodeCommand(encodeCommand(command))).toEqual(command);
  });

  it('is small in format 2: one format byte plus JSON', () => {
    const bytes = encodeCommand({ type: 'tick', at: 5 }, 2);
    expect(bytes[0]).toBe(2);
    expect(new TextDecoder().decode(bytes.subarray(1))).toBe('{"type":"tick","at":5}');
  });

  it.each([
    ['empty data', new Uint8Array()],
    ['an unknown format byte', new Uint8Array([9, 123, 125])],
    ['malformed JSON', withFormatByte('{"type":')],
    ['invalid UTF-8', new Uint8Array([1, 0xff, 0xfe])],
    ['an unknown command type', withFormatByte('{"type":"format","at":1}')],
    ['a missing field', withFormatByte('{"type":"delete","at":1}')],
    ['an extra field', withFormatByte('{"type":"tick","at":1,"evil":true}')],
    ['a negative time', withFormatByte('{"type":"tick","at":-1}')],
    ['an uppercase hash', withFormatByte(JSON.stringify({ ...put('a', 1, 1), sha256: hashOf('x').toUpperCase() }))],
  ])('refuses %s with CommandDecodeError', (_what, bytes) => {
    expect(() => decodeCommand(bytes)).toThrow(CommandDecodeError);
  });
});

describe('applyEntry', () => {
  it('applies encoded commands', () => {
    const machine = new StateMachine();
    expect(machine.applyEntry(1, encodeCommand(put('a', 3, 10))).ok).toBe(true);
    expect(machine.get('a')?.version).toBe(1);
  });

  it('treats empty data (the leader no-op) as a noop that only advances the index', () => {
    const machine = new StateMachine();
    expect(machine.applyEntry(1, new Uint8Array())).toEqual({ ok: true, type: 'noop' });
    expect(machine.lastApplied()).toBe(1);
    expect(machine.now()).toBe(0);
  });

  it('rejects undecodable data deterministically instead of throwing', () => {
    const machine = new StateMachine();
    const result = machine.applyEntry(1, withFormatByte('garbage'));
    expect(result).toMatchObject({ ok: false, rejection: { code: 'bad_request' } });
    expect(machine.lastApplied()).toBe(1);
    expect(machine.totals()).toEqual({ files: 0, bytes: 0 });
  });

  it('markApplied records entries that carry no command', () => {
    const machine = new StateMachine();
    machine.markApplied(4);
    expect(machine.lastApplied()).toBe(4);
  });

  it('refuses to apply an index twice or out of order (a driver bug)', () => {
    const machine = new StateMachine();
    machine.apply(5, { type: 'tick', at: 1 });
    expect(() => machine.apply(5, { type: 'tick', at: 2 })).toThrow(/invariant/);
    expect(() => machine.apply(3, { type: 'tick', at: 2 })).toThrow(/invariant/);
    expect(() => machine.applyEntry(4, new Uint8Array())).toThrow(/invariant/);
    expect(machine.lastApplied()).toBe(5);
    // Gaps are fine: membership entries are applied elsewhere.
    machine.apply(9, { type: 'tick', at: 3 });
    expect(machine.lastApplied()).toBe(9);
  });
});

describe('command bounds', () => {
  it('refuses times past what a Date can print once a lease is added', () => {
    const machine = new StateMachine();
    expect(machine.apply(1, { type: 'tick', at: 8_640_000_000_000_000 })).toMatchObject({ ok: false, rejection: { code: 'bad_request' } });
    expect(machine.apply(2, { type: 'lockAcquire', name: 'a', owner: 'o', token: 't', ttlMs: 8 * 24 * 3600 * 1000, at: 1 })).toMatchObject({ ok: false, rejection: { code: 'bad_request' } });
  });

  it('refuses an unknown configSet source', () => {
    const machine = new StateMachine();
    expect(machine.apply(1, { type: 'configSet', patch: {}, source: 'default' as never, at: 1 })).toMatchObject({ ok: false, rejection: { code: 'bad_request' } });
  });
});
