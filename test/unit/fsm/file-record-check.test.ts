// The hand-written check of snapshot file records accepts exactly the records snapshots hold and
// refuses each way one can be malformed, naming where.
import { describe, expect, it } from 'vitest';
import { checkFileRecord, FileRecordError } from '../../../node-runtime/fsm/file-record-check';

const HASH = 'ab'.repeat(32);
const good = { name: 'docs/a.txt', size: 5, sha256: HASH, chunks: [{ hash: HASH, size: 5 }], version: 2, revision: 9, createdAt: 1, modifiedAt: 2 };

describe('checkFileRecord', () => {
  it('returns a well-formed record as it is, with or without the S3 fields, and without a revision (format 1)', () => {
    expect(checkFileRecord(good, 'files.0')).toEqual(good);
    const s3 = { ...good, chunks: [], md5: 'c'.repeat(32), meta: { contentType: 'text/plain', user: { k: 'v' } } };
    expect(checkFileRecord(s3, 'files.0')).toEqual(s3);
    const { revision: _, ...formatOne } = good;
    expect(checkFileRecord(formatOne, 'files.0')).toEqual(formatOne);
  });

  it.each([
    ['not an object', 'x', 'files.3'],
    ['an array', [], 'files.3'],
    ['an unknown key', { ...good, extra: 1 }, 'files.3.extra'],
    ['an empty name', { ...good, name: '' }, 'files.3.name'],
    ['a negative size', { ...good, size: -1 }, 'files.3.size'],
    ['a fractional version', { ...good, version: 1.5 }, 'files.3.version'],
    ['a missing createdAt', { ...good, createdAt: undefined }, 'files.3.createdAt'],
    ['an uppercase hash', { ...good, sha256: HASH.toUpperCase() }, 'files.3.sha256'],
    ['chunks that are not an array', { ...good, chunks: {} }, 'files.3.chunks'],
    ['a chunk with an unknown key', { ...good, chunks: [{ hash: HASH, size: 5, at: 0 }] }, 'files.3.chunks.0.at'],
    ['a chunk with a short hash', { ...good, chunks: [{ hash: 'ab', size: 5 }] }, 'files.3.chunks.0.hash'],
    ['a bad MD5 tag', { ...good, md5: 'xyz' }, 'files.3.md5'],
    ['bad attributes', { ...good, meta: { contentType: 5 } }, 'files.3.meta'],
    ['a string revision', { ...good, revision: '9' }, 'files.3.revision'],
  ])('refuses %s, naming where', (_what, value, path) => {
    let thrown: unknown;
    try {
      checkFileRecord(value, 'files.3');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FileRecordError);
    expect((thrown as FileRecordError).path).toBe(path);
  });
});
