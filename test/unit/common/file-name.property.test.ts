// Properties of the one file-name validator (nodes, manager and dashboard share it), over inputs
// fast-check generates: whatever it is given it answers without throwing; what it accepts can
// never leave the namespace once put into a URL path; and what it refuses stays refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_NAME_BYTES, RESERVED_FIRST_SEGMENTS, validateFileName } from '../../../node-runtime/common/file-name';

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Segments that are hard to get right: dots, encodings, separators, controls, bidi overrides. */
const trickySegment = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('.', '..', '...', '%2e%2e', '%2F', '..%2F', '\\', 'a\\b', 'C:', 'c:x', '\u0000', '\u202e', '\u2028', '\ud800', '\udc00x', 'e\u0301', ' ', 'status', 'UPLOAD', 'peer', '~', '?', '#', '%'),
);
const trickyName = fc.array(trickySegment, { minLength: 0, maxLength: 6 }).chain((segments) =>
  fc.constantFrom('/', '//', '\\').map((sep) => segments.join(sep)),
);
const anyName = fc.oneof(trickyName, fc.string({ unit: 'binary', maxLength: 64 }), fc.string({ unit: 'binary', minLength: 1000, maxLength: 1400 }));

/** The manager's and the dashboard's way of putting a name into a node URL. */
const encodeName = (name: string): string => name.split('/').map(encodeURIComponent).join('/');

describe('validateFileName, property-based', () => {
  it('never throws, for anything at all', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const result = validateFileName(value);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('accepts only names without empty, "." or ".." segments, controls, backslashes or a reserved start, within the byte limits', () => {
    fc.assert(
      fc.property(anyName, (raw) => {
        const result = validateFileName(raw);
        if (!result.ok) return;
        const segments = result.name.split('/');
        expect(segments.every((s) => s !== '' && s !== '.' && s !== '..')).toBe(true);
        // eslint-disable-next-line no-control-regex
        expect(result.name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\\\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
        expect(utf8Length(result.name)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
        expect(RESERVED_FIRST_SEGMENTS).not.toContain((segments[0] ?? '').toLowerCase());
        expect(result.name).toBe(result.name.normalize('NFC'));
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent: an accepted name is accepted again as itself', () => {
    fc.assert(
      fc.property(anyName, (raw) => {
        const first = validateFileName(raw);
        if (!first.ok) return;
        expect(validateFileName(first.name)).toEqual(first);
      }),
      { numRuns: 2000 },
    );
  });

  it('an accepted name, encoded into a node URL, stays under the route it was put in and decodes back', () => {
    fc.assert(
      fc.property(anyName, fc.constantFrom('files', 'upload', 'locks'), (raw, route) => {
        const result = validateFileName(raw);
        if (!result.ok) return;
        const url = new URL(`${route}/${encodeName(result.name)}`, 'http://127.0.0.1:8081/');
        expect(url.pathname.startsWith(`/${route}/`)).toBe(true);
        expect(url.search).toBe('');
        expect(url.hash).toBe('');
        expect(decodeURIComponent(url.pathname.slice(route.length + 2))).toBe(result.name);
      }),
      { numRuns: 2000 },
    );
  });

  it('a ".." or "." segment anywhere is refused, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('/')), { maxLength: 4 }), fc.constantFrom('.', '..'), fc.nat(4), (segments, dot, at) => {
        const parts = [...segments];
        parts.splice(Math.min(at, parts.length), 0, dot);
        expect(validateFileName(parts.join('/')).ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
