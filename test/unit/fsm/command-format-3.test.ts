// Command format 3 (issue #18): a put's inline content as raw bytes after the JSON. Every format
// this build writes decodes to the same command, so which one the leader picked (the newest every
// member applies) changes the log's bytes and never what a replica applies.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COMMAND_FORMATS, CommandDecodeError, decodeCommand, encodeCommand, type Command, type PutCommand } from '../../../node-runtime/fsm/commands';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { put } from './builders';

function inlinePut(bytes: Uint8Array, at = 1): PutCommand {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { type: 'put', name: 'small.bin', size: bytes.length, sha256, chunks: [], inline: Buffer.from(bytes).toString('base64'), at, requestId: 'r-1' };
}

const chunked: Command[] = [put('docs/a.txt', 5, 1000, { expectedVersion: 3 }), { type: 'delete', name: 'a', at: 2 }, { type: 'tick', at: 3 }];

describe('command format 3', () => {
  it('is laid out as format 4, the newest this build writes and advertises; it still applies 1 and 2', () => {
    expect(COMMAND_FORMATS).toEqual({ min: 1, max: 4 });
    expect(encodeCommand({ type: 'tick', at: 1 })[0]).toBe(4);
    const command = inlinePut(randomBytes(100));
    expect(encodeCommand(command, 4).subarray(1)).toEqual(encodeCommand(command, 3).subarray(1));
  });

  it.each([1, 2, 3, 4])('format %i: every command without inline content decodes to itself', (format) => {
    for (const command of chunked) {
      const bytes = encodeCommand(command, format);
      expect(bytes[0]).toBe(format);
      expect(decodeCommand(bytes)).toEqual(command);
    }
  });

  it.each([2, 3, 4])('format %i: an inline put decodes to itself', (format) => {
    const command = inlinePut(randomBytes(1000));
    expect(decodeCommand(encodeCommand(command, format))).toEqual(command);
  });

  it('carries 64 KiB of inline content in a quarter fewer bytes than format 2', () => {
    const command = inlinePut(randomBytes(64 * 1024));
    const v2 = encodeCommand(command, 2).length;
    const v3 = encodeCommand(command, 3).length;
    expect(v3).toBeLessThan(64 * 1024 + 400);
    expect(v2).toBeGreaterThan(Math.ceil((64 * 1024) / 3) * 4);
    expect(v3 / v2).toBeLessThan(0.76);
  });

  it('cannot put inline content in format 1, which has no field for it', () => {
    expect(() => encodeCommand(inlinePut(randomBytes(10)), 1)).toThrow(RangeError);
    expect(() => encodeCommand({ type: 'tick', at: 1 }, 5)).toThrow(RangeError);
  });

  it('applies alike whichever format carried the entry', () => {
    const states = [2, 3, 4].map((format) => {
      const machine = new StateMachine();
      machine.applyEntry(1, encodeCommand(inlinePut(Buffer.from('hello, small file')), format));
      return JSON.stringify([machine.get('small.bin'), Buffer.from(machine.inlineContent(machine.get('small.bin')!.sha256)!).toString()]);
    });
    expect(states[1]).toBe(states[0]);
    expect(states[2]).toBe(states[0]);
  });

  it.each([
    ['a header cut short', new Uint8Array([3, 0, 0])],
    ['a JSON length past the end', new Uint8Array([3, 0, 0, 0, 9, 123, 125])],
    ['inline content inside the JSON', (() => {
      const bytes = encodeCommand(inlinePut(Buffer.from('x')), 2);
      const json = bytes.subarray(1);
      const framed = new Uint8Array(5 + json.length);
      framed[0] = 3;
      new DataView(framed.buffer).setUint32(1, json.length);
      framed.set(json, 5);
      return framed;
    })()],
    ['a tail whose bytes do not match the size', (() => {
      const bytes = encodeCommand(inlinePut(Buffer.from('hello')), 3);
      return bytes.subarray(0, bytes.length - 1);
    })()],
  ])('refuses %s', (_what, bytes) => {
    const refused = (() => {
      try {
        const command = decodeCommand(bytes);
        return new StateMachine().applyEntry(1, encodeCommand(command, 3)).ok ? 'applied' : 'rejected';
      } catch (err) {
        return err instanceof CommandDecodeError ? 'rejected' : String(err);
      }
    })();
    expect(refused).toBe('rejected');
  });

  it('stops a replica on a command from a newer release instead of skipping it (skipping would diverge)', () => {
    const machine = new StateMachine();
    const newer = encodeCommand({ type: 'tick', at: 1 }, 4);
    newer[0] = 5;
    expect(() => machine.applyEntry(1, newer)).toThrow(/format 5, written by a newer dfs-node.*upgrade dfs-node/);
    const damaged = new Uint8Array([0, 123, 125]);
    expect(machine.applyEntry(2, damaged)).toMatchObject({ ok: false, rejection: { code: 'bad_request' } });
  });
});
