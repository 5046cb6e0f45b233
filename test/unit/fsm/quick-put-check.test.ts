// The hand-written check of a put (quick-put-check.ts) must never accept what the command schema
// refuses, nor hand over a put that differs from the schema's: replicas of different releases
// check with one or the other, and a disagreement would make their states diverge. Seeded
// mutations of well-formed puts (missing, unknown and mistyped keys, values just outside each
// range, the pattern's near misses) are put to both.
import { describe, expect, it } from 'vitest';
import { commandSchema, decodeCommand, encodeCommand, type PutCommand } from '../../../node-runtime/fsm/commands';
import { MAX_COMMAND_AT } from '../../../node-runtime/fsm/command-limits';
import { quickPut } from '../../../node-runtime/fsm/quick-put-check';

const HASH = 'ab'.repeat(32);
const wellFormed: Record<string, unknown>[] = [
  { type: 'put', name: 'small/a.bin', size: 100, sha256: HASH, chunks: [], at: 1_796_600_000_000 },
  { type: 'put', name: 'b', size: 0, sha256: HASH, chunks: [], at: 0, requestId: 'fwd-2-17', expectedVersion: 0 },
  { type: 'put', name: 'big.iso', size: 5, sha256: HASH, chunks: [{ hash: HASH, size: 5 }], at: MAX_COMMAND_AT, expectedRevision: 7 },
];

/** Values that sit just inside or just outside some rule of the schema. */
const nearMisses: unknown[] = [
  undefined, null, true, 0, -0, -1, 1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, MAX_COMMAND_AT, MAX_COMMAND_AT + 1,
  '', 'put', 'delete', HASH, HASH.toUpperCase(), `${HASH}0`, HASH.slice(1), 'x'.repeat(128), 'x'.repeat(129), 'a b', 'é', [], [{}],
  [{ hash: HASH, size: 0 }], [{ hash: HASH, size: 1, extra: 1 }], [{ hash: HASH }], [{ hash: HASH, size: 1 }], {}, { hash: HASH, size: 1 },
];
const keys = ['type', 'name', 'size', 'sha256', 'chunks', 'at', 'requestId', 'expectedVersion', 'expectedRevision', 'lockToken', 'md5', 'meta', 'inline', 'other', '__proto__'];

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(base: Record<string, unknown>, next: () => number): Record<string, unknown> {
  const value: Record<string, unknown> = JSON.parse(JSON.stringify(base));
  const changes = 1 + Math.floor(next() * 2);
  for (let i = 0; i < changes; i++) {
    const key = keys[Math.floor(next() * keys.length)] as string;
    if (next() < 0.2) delete value[key];
    else Object.defineProperty(value, key, { value: nearMisses[Math.floor(next() * nearMisses.length)], enumerable: true, configurable: true, writable: true });
  }
  return value;
}

function agreesWithSchema(value: Record<string, unknown>, inline: string | undefined): boolean {
  const quick = quickPut(value, inline);
  if (quick === null) return false;
  const parsed = commandSchema.safeParse(inline === undefined ? value : { ...value, inline });
  expect(parsed.success, JSON.stringify(value)).toBe(true);
  expect(quick).toEqual(parsed.data);
  return true;
}

describe('the quick check of a put', () => {
  it('accepts the common puts as the schema does', () => {
    for (const value of wellFormed) {
      expect(agreesWithSchema(value, undefined)).toBe(true);
      expect(agreesWithSchema(value, Buffer.from('small file').toString('base64'))).toBe(true);
    }
  });

  it('never accepts what the schema refuses, nor changes what it accepts (20,000 seeded mutations)', () => {
    const next = random(11);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const value = mutate(wellFormed[i % wellFormed.length] as Record<string, unknown>, next);
      if (agreesWithSchema(value, i % 2 === 0 ? undefined : 'aGVsbG8=')) accepted += 1;
    }
    // Some mutations keep a put well formed (a near miss that is in range): the check saw both kinds.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(20_000);
  });

  it('leaves S3 fields and lock tokens to the schema, with the same outcome', () => {
    const s3: PutCommand = { type: 'put', name: 'o', size: 1, sha256: HASH, chunks: [], at: 1, md5: 'a'.repeat(32), meta: { contentType: 'text/plain' }, lockToken: 't' };
    expect(quickPut(s3, undefined)).toBeNull();
    expect(decodeCommand(encodeCommand(s3))).toEqual(s3);
    const badMd5 = { ...s3, md5: 'nope' };
    expect(() => decodeCommand(encodeCommand(badMd5 as PutCommand))).toThrow(/md5/);
  });

  it('is what decodes a format-3 put', () => {
    const command: PutCommand = { type: 'put', name: 'a', size: 3, sha256: HASH, chunks: [], at: 5, inline: Buffer.from('abc').toString('base64') };
    expect(decodeCommand(encodeCommand(command, 3))).toEqual(command);
    expect(() => decodeCommand(encodeCommand({ ...command, sha256: HASH.toUpperCase() }, 3))).toThrow(/sha256/);
  });
});
