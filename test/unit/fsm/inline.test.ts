// Small files carried inside their put entries (issue #11): the state machine keeps their bytes by
// SHA-256, shares them between records with the same content, drops them with the last one, and
// carries them in snapshots.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, type PutCommand } from '../../../node-runtime/fsm/commands';
import { InlineContents, type ContentBytes } from '../../../node-runtime/fsm/inline-contents';
import { SnapshotFormatError } from '../../../node-runtime/fsm/snapshot-codec';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { Driver, observable } from './builders';

function inlinePut(name: string, text: string, at: number, extra: Partial<PutCommand> = {}): PutCommand {
  const bytes = Buffer.from(text);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { type: 'put', name, size: bytes.length, sha256, chunks: [], inline: bytes.toString('base64'), at, ...extra };
}

const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString());

describe('inline puts', () => {
  it('round-trip through the entry encoding', () => {
    const command = inlinePut('a.txt', 'hello', 1);
    expect(decodeCommand(encodeCommand(command))).toEqual(command);
  });

  it('store the bytes by SHA-256 with a record that has no chunks', () => {
    const d = new Driver();
    const command = inlinePut('a.txt', 'hello', 1);
    d.ok(command);
    expect(d.machine.get('a.txt')).toMatchObject({ size: 5, sha256: command.sha256, chunks: [] });
    expect(text(d.machine.inlineContent(command.sha256))).toBe('hello');
    expect(d.machine.totals()).toEqual({ files: 1, bytes: 5 });
    expect(d.machine.referencedChunkHashes()).toEqual([]);
  });

  it('share one copy between files of the same content, kept until the last of them goes', () => {
    const d = new Driver();
    const a = inlinePut('a.txt', 'same', 1);
    d.ok(a);
    d.ok(inlinePut('b.txt', 'same', 2));
    d.ok({ type: 'delete', name: 'a.txt', at: 3 });
    expect(text(d.machine.inlineContent(a.sha256))).toBe('same');
    d.ok(inlinePut('b.txt', 'other', 4));
    expect(d.machine.inlineContent(a.sha256)).toBeUndefined();
    // Rewriting a file with its own bytes keeps them.
    const other = inlinePut('b.txt', 'other', 5);
    d.ok(other);
    expect(text(d.machine.inlineContent(other.sha256))).toBe('other');
  });

  it('are replaced by a chunked write of the same name, and the bytes dropped', () => {
    const d = new Driver();
    const small = inlinePut('a.txt', 'small', 1);
    d.ok(small);
    d.ok({ type: 'put', name: 'a.txt', size: 3, sha256: 'a'.repeat(64), chunks: [{ hash: 'b'.repeat(64), size: 3 }], at: 2 });
    expect(d.machine.inlineContent(small.sha256)).toBeUndefined();
    expect(d.machine.referencedChunkHashes()).toEqual(['b'.repeat(64)]);
  });

  it.each([
    ['content and chunks together', { chunks: [{ hash: 'b'.repeat(64), size: 5 }] }],
    ['a size that is not the content length', { size: 6 }],
    ['empty content', { inline: '', size: 0 }],
  ])('reject %s on every replica alike, changing nothing', (_what, extra) => {
    const d = new Driver();
    const result = d.apply(inlinePut('a.txt', 'hello', 1, extra));
    expect(result).toMatchObject({ ok: false, rejection: { code: 'bad_request' } });
    expect(d.machine.totals()).toEqual({ files: 0, bytes: 0 });
  });
});

describe('inline bytes held', () => {
  it('count each distinct content once, follow overwrites and deletes, and come back with a snapshot', () => {
    const d = new Driver();
    d.ok(inlinePut('a.txt', 'same', 1));
    d.ok(inlinePut('b.txt', 'same', 2));
    d.ok(inlinePut('c.txt', 'other!', 3));
    expect(d.machine.inlineBytesHeld()).toBe(4 + 6);
    d.ok({ type: 'delete', name: 'a.txt', at: 4 });
    expect(d.machine.inlineBytesHeld()).toBe(10);
    d.ok(inlinePut('b.txt', 'xy', 5));
    expect(d.machine.inlineBytesHeld()).toBe(2 + 6);
    expect(StateMachine.fromSnapshot(d.machine.snapshot()).inlineBytesHeld()).toBe(8);
    d.ok({ type: 'delete', name: 'b.txt', at: 6 });
    d.ok({ type: 'delete', name: 'c.txt', at: 7 });
    expect(d.machine.inlineBytesHeld()).toBe(0);
  });

  it('are held in memory of their own, not as views that keep a larger buffer (the 8 KiB pool, a frame) alive', () => {
    const d = new Driver();
    d.ok(inlinePut('a.txt', 'small content', 1));
    const applied = d.machine.inlineContent(d.machine.get('a.txt')?.sha256 ?? '');
    const restored = StateMachine.fromSnapshot(d.machine.snapshot());
    const afterRestore = restored.inlineContent(restored.get('a.txt')?.sha256 ?? '');
    for (const held of [applied, afterRestore]) {
      expect(text(held)).toBe('small content');
      expect(held?.buffer.byteLength).toBe(held?.byteLength);
    }
  });
});

describe('snapshots with inline files', () => {
  it('carry the contents, so a restored machine serves the same bytes and snapshots identically', () => {
    const d = new Driver();
    const a = inlinePut('a.txt', 'alpha', 1);
    d.ok(a);
    d.ok(inlinePut('b.txt', 'alpha', 2));
    d.ok(inlinePut('c.txt', 'gamma', 3));
    const restored = StateMachine.fromSnapshot(d.machine.snapshot());
    expect(observable(restored)).toEqual(observable(d.machine));
    expect(text(restored.inlineContent(a.sha256))).toBe('alpha');
    expect(restored.snapshot()).toEqual(d.machine.snapshot());
    // Shared content is counted again on restore: deleting one holder keeps it for the other.
    new Driver(restored).ok({ type: 'delete', name: 'a.txt', at: 4 });
    expect(text(restored.inlineContent(a.sha256))).toBe('alpha');
  });

  it('refuse a snapshot that lists an inline file without its content, keeping the current state', () => {
    const d = new Driver();
    d.ok(inlinePut('a.txt', 'alpha', 1));
    const json = JSON.parse(new TextDecoder().decode(d.machine.snapshot().subarray(1))) as { contents: unknown[] };
    json.contents = [];
    const bytes = new Uint8Array([4, ...new TextEncoder().encode(JSON.stringify(json))]);
    const m = new StateMachine();
    expect(() => m.restore(bytes)).toThrow(SnapshotFormatError);
    expect(m.lastApplied()).toBe(0);
  });

  it.each([
    ['a character outside base64', (data: string) => `${data.slice(0, 2)}!${data.slice(3)}`],
    ['a line break inside', (data: string) => `${data.slice(0, 4)}\n${data.slice(4)}`],
    ['padding in the middle', (data: string) => `${data.slice(0, 2)}==${data.slice(4)}`],
    ['a length that is not a multiple of 4', (data: string) => data.slice(0, -1)],
  ])('refuse a snapshot whose inline content has %s', (_what, damage) => {
    const d = new Driver();
    d.ok(inlinePut('a.txt', 'alpha beta gamma', 1));
    const json = JSON.parse(new TextDecoder().decode(d.machine.snapshot().subarray(1))) as { contents: { data: string }[] };
    const content = json.contents[0] as { data: string };
    content.data = damage(content.data);
    const m = new StateMachine();
    expect(() => m.restore(new Uint8Array([4, ...new TextEncoder().encode(JSON.stringify(json))]))).toThrow(/contents\.0\.data: not base64/);
  });
});

describe('contents adopted by a restore, ordered in one pass', () => {
  /** A durable store's part, as a node's pack plays it: adopted contents are only named. */
  class NamedBytes implements ContentBytes {
    readonly durable = true;
    readonly sizes = new Map<string, number>();
    put(sha256: string, bytes: Uint8Array): void {
      this.sizes.set(sha256, bytes.length);
    }
    adopt(sha256: string, size: number): void {
      this.sizes.set(sha256, size);
    }
    get(): Uint8Array | undefined {
      return undefined;
    }
    size(sha256: string): number | undefined {
      return this.sizes.get(sha256);
    }
    drop(sha256: string): void {
      this.sizes.delete(sha256);
    }
    capture(): () => Uint8Array {
      return () => new Uint8Array(0);
    }
    mark(): void {}
  }
  const hex = (n: number): string => n.toString(16).padStart(64, '0');
  const adopted = (candidates: readonly number[]): string[] => {
    const contents = new InlineContents(new NamedBytes());
    for (const n of [5, 1, 9, 3, 1]) contents.adopt(hex(n), n, false);
    contents.orderHeld(candidates.map((n) => ({ sha256: hex(n) })));
    return contents.capture(1, false).map((c) => c.sha256);
  };

  it('gives the held SHA-256s in order whether the candidates are sorted, unsorted or missing one', () => {
    const sorted = [1, 3, 5, 9].map(hex);
    expect(adopted([0, 1, 2, 3, 5, 7, 9])).toEqual(sorted);
    expect(adopted([9, 5, 3, 1])).toEqual(sorted);
    expect(adopted([1, 3, 9])).toEqual(sorted);
    expect(adopted([1, 3, 3, 5, 9])).toEqual(sorted);
  });

  it('keeps counting references and bytes as adopt does', () => {
    const contents = new InlineContents(new NamedBytes());
    contents.adopt(hex(2), 2, false);
    contents.adopt(hex(2), 2, false);
    contents.adopt(hex(1), 1);
    contents.orderHeld([{ sha256: hex(1) }, { sha256: hex(2) }]);
    expect(contents.totalBytes()).toBe(3);
    contents.release(hex(2), 2);
    expect(contents.holds(hex(2))).toBe(true);
    contents.release(hex(2), 2);
    expect(contents.holds(hex(2))).toBe(false);
    expect(contents.capture(2, false).map((c) => c.sha256)).toEqual([hex(1)]);
  });
});
