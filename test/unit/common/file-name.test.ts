import { describe, expect, it } from 'vitest';
import {
  fileNameSchema,
  isCanonicalFileName,
  MAX_FILE_NAME_BYTES,
  MAX_FILE_NAME_SEGMENT_BYTES,
  RESERVED_FIRST_SEGMENTS,
  validateFileName,
  type FileNameProblem,
} from '../../../node-runtime/common/file-name';

function problemOf(raw: unknown): FileNameProblem | 'ok' {
  const result = validateFileName(raw);
  return result.ok ? 'ok' : result.problem;
}

describe('validateFileName', () => {
  it('accepts plain names and virtual folders', () => {
    expect(validateFileName('README.md')).toEqual({ ok: true, name: 'README.md' });
    expect(validateFileName('docs/a.txt')).toEqual({ ok: true, name: 'docs/a.txt' });
    expect(validateFileName('.gitignore')).toEqual({ ok: true, name: '.gitignore' });
    expect(validateFileName('a..b/c...d')).toEqual({ ok: true, name: 'a..b/c...d' });
    expect(validateFileName('日本語/ファイル.txt').ok).toBe(true);
  });

  it.each([
    ['../x', 'dot_segment'],
    ['a/../x', 'dot_segment'],
    ['a/..', 'dot_segment'],
    ['./x', 'dot_segment'],
    ['/abs', 'absolute'],
    ['\\abs', 'absolute'],
    ['C:\\x', 'absolute'],
    ['c:/x', 'absolute'],
    ['a\\x', 'backslash'],
    ['a\u0000b', 'control_character'],
    ['a\nb', 'control_character'],
    ['tab\there', 'control_character'],
    ['del\u007f', 'control_character'],
    ['c1\u0085', 'control_character'],
    ['invoice\u202efdp.exe', 'control_character'],
    ['isolate\u2066x', 'control_character'],
    ['line\u2028break', 'control_character'],
    ['', 'empty'],
    ['a//b', 'empty_segment'],
    ['dir/', 'empty_segment'],
    ['bad\ud800', 'invalid_unicode'],
    ['\udc00bad', 'invalid_unicode'],
  ] as const)('refuses %j (%s)', (raw, problem) => {
    const result = validateFileName(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe('name_invalid');
      expect(result.problem).toBe(problem);
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });

  it('refuses non-strings', () => {
    expect(problemOf(42)).toBe('not_a_string');
    expect(problemOf(undefined)).toBe('not_a_string');
  });

  it('keeps surrogate pairs (emoji) that encode as valid UTF-8', () => {
    expect(validateFileName('photos/🎉.png').ok).toBe(true);
  });

  it('bounds the total length in UTF-8 bytes', () => {
    const segment = 'a'.repeat(200);
    const atLimit = Array.from({ length: 6 }, () => segment).join('/').slice(0, MAX_FILE_NAME_BYTES);
    expect(new TextEncoder().encode(atLimit).length).toBe(MAX_FILE_NAME_BYTES);
    expect(problemOf(atLimit)).toBe('ok');
    expect(problemOf(`${atLimit}b`)).toBe('too_long');
  });

  it('refuses a huge name before normalising it', () => {
    expect(problemOf('x'.repeat(100_000))).toBe('too_long');
  });

  it('bounds each segment to 255 UTF-8 bytes, counting multi-byte characters', () => {
    expect(problemOf('a'.repeat(255))).toBe('ok');
    expect(problemOf('a'.repeat(256))).toBe('segment_too_long');
    // "é" is two bytes in UTF-8: 128 of them are 256 bytes.
    expect(problemOf('\u00e9'.repeat(127))).toBe('ok');
    expect(problemOf('\u00e9'.repeat(128))).toBe('segment_too_long');
  });

  it('counts three- and four-byte characters (and the edges of each UTF-8 length) at the limits', () => {
    // The bytes are counted, not encoded: each edge of each encoded length, checked against Node's count.
    const edges = ['~', '\u00a0', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffef', '\u{10000}', '\u{10ffff}'];
    for (const char of edges) {
      const width = Buffer.byteLength(char, 'utf8');
      const fits = Math.floor(MAX_FILE_NAME_SEGMENT_BYTES / width);
      const pad = 'a'.repeat(MAX_FILE_NAME_SEGMENT_BYTES - fits * width);
      expect(problemOf(`${char.repeat(fits)}${pad}`), `U+${char.codePointAt(0)?.toString(16)}`).toBe('ok');
      expect(problemOf(`${char.repeat(fits)}${pad}a`), `U+${char.codePointAt(0)?.toString(16)}`).toBe('segment_too_long');
    }
    // Four-byte characters over a whole name: 4 segments of 63 × 4 bytes + separators.
    const segment = '\u{1f389}'.repeat(63);
    const name = [segment, segment, segment, segment].join('/');
    const fill = 'b'.repeat(MAX_FILE_NAME_BYTES - Buffer.byteLength(name, 'utf8') - 1);
    expect(problemOf(`${name}/${fill}`)).toBe('ok');
    expect(problemOf(`${name}/${fill}c`)).toBe('too_long');
  });

  it('normalises to NFC so composed and decomposed "é" name the same file', () => {
    const composed = 'caf\u00e9.txt';
    const decomposed = 'cafe\u0301.txt';
    expect(composed).not.toBe(decomposed);
    const a = validateFileName(composed);
    const b = validateFileName(decomposed);
    expect(a).toEqual({ ok: true, name: composed });
    expect(b).toEqual({ ok: true, name: composed });
    expect(isCanonicalFileName(composed)).toBe(true);
    expect(isCanonicalFileName(decomposed)).toBe(false);
  });

  it('refuses reserved API route names as the first segment, in any case', () => {
    for (const reserved of RESERVED_FIRST_SEGMENTS) {
      expect(problemOf(reserved)).toBe('reserved');
      expect(problemOf(`${reserved}/x.txt`)).toBe('reserved');
    }
    expect(problemOf('Status')).toBe('reserved');
    expect(problemOf('UPLOAD/a')).toBe('reserved');
  });

  it('allows reserved words below the top level and as part of a longer name', () => {
    expect(problemOf('docs/status')).toBe('ok');
    expect(problemOf('upload.txt')).toBe('ok');
    expect(problemOf('healthy')).toBe('ok');
  });

  it('lists every route the API serves at the top level', () => {
    expect([...RESERVED_FIRST_SEGMENTS].sort()).toEqual(
      ['cluster', 'config', 'download', 'fault', 'fileinfo', 'files', 'health', 'internal', 'leader', 'livez', 'locks', 'metrics', 'peer', 'readyz', 'recovery', 'scrub', 'stats', 'status', 'upload'].sort(),
    );
  });
});

describe('fileNameSchema', () => {
  it('outputs the normalised name', () => {
    expect(fileNameSchema.parse('cafe\u0301')).toBe('caf\u00e9');
  });

  it('fails with the problem as detail', () => {
    const parsed = fileNameSchema.safeParse('../etc/passwd');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/"\.\." segment/);
  });
});
