// namedContentsPieces finds the contents a format-5 snapshot names without decoding it whole: the
// same list decodeSnapshot gives, whatever the file names hold, in pieces of bounded work.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { namedContentsPieces } from '../../../node-runtime/fsm/snapshot-contents';
import { decodeSnapshot, encodeSnapshot, SnapshotFormatError, type SnapshotState } from '../../../node-runtime/fsm/snapshot-codec';
import type { FileRecord } from '../../../node-runtime/fsm/outcomes';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Names that look like the snapshot's own structure, escapes, nesting characters, non-ASCII. */
const TRICKY = ['],"contents":[', 'a"b\\', '{[}]', 'ünïcødé/🙂', '\\"', 'plain'];

function state(files: number, contents: number): SnapshotState {
  const records: FileRecord[] = Array.from({ length: files }, (_, i) => {
    const name = `${TRICKY[i % TRICKY.length]}-${String(i).padStart(6, '0')}`;
    return { name, size: 10, sha256: sha(name), chunks: [{ hash: sha(`c${i}`), size: 10 }], version: i + 1, revision: i + 1, createdAt: 1, modifiedAt: 2, meta: { user: { k: '],"contents":[{' } } };
  });
  records.sort((a, b) => (a.name < b.name ? -1 : 1));
  const named = Array.from({ length: contents }, (_, i) => ({ sha256: sha(`content ${i}`), size: i + 1 })).sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
  return { appliedIndex: 9, logTime: 5, files: records, contents: named, locks: [], config: [], requests: [] };
}

function scanned(bytes: Uint8Array) {
  const pieces = [...namedContentsPieces(bytes)];
  return { pieces, contents: pieces.flat() };
}

describe('namedContentsPieces', () => {
  it.each([
    ['one content', 50, 1],
    ['exactly a piece', 10, 1000],
    ['several pieces', 3000, 2501],
  ])('lists what decodeSnapshot lists: %s', (_, files, contents) => {
    const bytes = encodeSnapshot(state(files, contents));
    expect(bytes[0]).toBe(5);
    const expected = decodeSnapshot(bytes).contents.map((c) => ({ sha256: c.sha256, size: c.size }));
    const { pieces, contents: found } = scanned(bytes);
    expect(found).toEqual(expected);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(1000);
  });

  it('names nothing in a snapshot that carries its contents (format 4), or has none', () => {
    expect(scanned(encodeSnapshot(state(5, 0))).contents).toEqual([]);
    const carried = { ...state(5, 0), contents: [{ sha256: sha('abc'), size: 3, read: () => Buffer.from('abc') }] };
    const bytes = encodeSnapshot(carried);
    expect(bytes[0]).toBe(4);
    expect(scanned(bytes).contents).toEqual([]);
  });

  it('scans a large files array in pieces (a caller yields between them)', () => {
    const bytes = encodeSnapshot(state(20_000, 3));
    expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    const { pieces } = scanned(bytes);
    expect(pieces.filter((p) => p.length === 0).length).toBeGreaterThanOrEqual(2);
  });

  it('refuses bytes that are not a snapshot as written', () => {
    const bytes = Buffer.from(encodeSnapshot(state(5, 3)));
    const cut = bytes.subarray(0, bytes.length - 60);
    expect(() => scanned(Buffer.concat([cut.subarray(0, 40)]))).toThrow(SnapshotFormatError);
    const bad = Buffer.from(bytes.toString('latin1').replace('"size":1}', '"size":"x"}'), 'latin1');
    expect(() => scanned(bad)).toThrow(SnapshotFormatError);
  });
});
