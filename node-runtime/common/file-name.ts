// File names are the keys of the replicated namespace. Every node, the manager and the renderer
// validate them with this one function, so a name accepted at the edge is accepted everywhere.
//
// Names are slash-separated paths relative to the namespace root ("docs/a.txt" puts a.txt in the
// virtual folder "docs"). They are stored NFC-normalised so that "é" typed on macOS (decomposed)
// and on Windows (composed) name the same file.

import { z } from 'zod';

/** Longest accepted name, in UTF-8 bytes after normalisation. */
export const MAX_FILE_NAME_BYTES = 1024;
/** Longest accepted segment (between slashes), in UTF-8 bytes; the usual file-system limit. */
export const MAX_FILE_NAME_SEGMENT_BYTES = 255;

/**
 * First path segments that would collide with API routes: a node serves files at `GET /<name>`
 * (seed compatibility), so a file called "status" would shadow `GET /status`. Compared
 * case-insensitively because Express routes are case-insensitive by default.
 */
export const RESERVED_FIRST_SEGMENTS: readonly string[] = [
  'upload',
  'download',
  'files',
  'fileinfo',
  'status',
  'health',
  'stats',
  'recovery',
  'leader',
  'config',
  'locks',
  'metrics',
  'livez',
  'readyz',
  'scrub',
  'peer',
  'internal',
  'fault',
  'cluster',
];

const reservedFirstSegments = new Set(RESERVED_FIRST_SEGMENTS);

/** Why a name was refused; stable strings that tests and clients may branch on. */
export type FileNameProblem =
  | 'not_a_string'
  | 'empty'
  | 'absolute'
  | 'backslash'
  | 'control_character'
  | 'invalid_unicode'
  | 'empty_segment'
  | 'dot_segment'
  | 'too_long'
  | 'segment_too_long'
  | 'reserved';

export type FileNameResult =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly code: 'name_invalid'; readonly problem: FileNameProblem; readonly detail: string };

/**
 * The UTF-8 length of a string without lone surrogates (checked before), counted rather than
 * encoded: every write checks its name at the edge and again at apply on every node, and
 * TextEncoder's allocation per segment was most of the check's cost in a leader's profile (#11).
 */
function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // 0x80–0x7ff take two bytes, the rest of the BMP three; a surrogate pair (two units) four.
    if (unit >= 0x80) bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

// C0 controls (NUL included), DEL and C1 controls: invisible, and some terminate strings in C APIs.
// Also the line and paragraph separators (they split log lines) and the bidirectional overrides
// and isolates, which make "invoice\u202Efdp.exe" display as "invoiceexe.pdf".
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// A lone surrogate cannot be encoded as UTF-8 (an encoder would silently replace it).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const DRIVE_LETTER = /^[A-Za-z]:/;

function refuse(problem: FileNameProblem, detail: string): FileNameResult {
  return { ok: false, code: 'name_invalid', problem, detail };
}

/** Checks a name and returns it NFC-normalised, or the first problem found. */
export function validateFileName(raw: unknown): FileNameResult {
  if (typeof raw !== 'string') return refuse('not_a_string', 'file name must be a string');
  if (raw.length === 0) return refuse('empty', 'file name is empty');
  // Normalisation can shrink a string (several code points compose into one), but never by this
  // much; refusing here keeps a megabyte-long "name" from being normalised and scanned at all.
  if (raw.length > 8 * MAX_FILE_NAME_BYTES) return refuse('too_long', `file name exceeds ${MAX_FILE_NAME_BYTES} bytes`);
  if (CONTROL_CHARACTER.test(raw)) return refuse('control_character', 'file name contains a NUL or control character');
  if (LONE_SURROGATE.test(raw)) return refuse('invalid_unicode', 'file name is not valid Unicode (lone surrogate)');
  if (raw.startsWith('/') || raw.startsWith('\\')) return refuse('absolute', 'file name must be relative (no leading slash)');
  if (DRIVE_LETTER.test(raw)) return refuse('absolute', 'file name must be relative (no drive letter)');
  if (raw.includes('\\')) return refuse('backslash', 'file name must use "/" as separator, not "\\"');

  const name = raw.normalize('NFC');
  const segments = name.split('/');
  for (const segment of segments) {
    if (segment.length === 0) return refuse('empty_segment', 'file name has an empty segment ("//" or a trailing "/")');
    if (segment === '.' || segment === '..') return refuse('dot_segment', `file name must not contain a "${segment}" segment`);
    if (utf8Bytes(segment) > MAX_FILE_NAME_SEGMENT_BYTES) {
      return refuse('segment_too_long', `a file name segment exceeds ${MAX_FILE_NAME_SEGMENT_BYTES} bytes`);
    }
  }
  if (utf8Bytes(name) > MAX_FILE_NAME_BYTES) {
    return refuse('too_long', `file name exceeds ${MAX_FILE_NAME_BYTES} bytes`);
  }
  const first = (segments[0] ?? '').toLowerCase();
  if (reservedFirstSegments.has(first)) {
    return refuse('reserved', `"${first}" is reserved for the API and cannot start a file name`);
  }
  return { ok: true, name };
}

/** True when `name` is valid and already in its stored (normalised) form. */
export function isCanonicalFileName(name: string): boolean {
  const result = validateFileName(name);
  return result.ok && result.name === name;
}

/** Zod form of validateFileName for request schemas: outputs the normalised name. */
export const fileNameSchema = z.string().transform((raw, ctx) => {
  const result = validateFileName(raw);
  if (result.ok) return result.name;
  ctx.issues.push({ code: 'custom', input: raw, message: result.detail, params: { problem: result.problem } });
  return z.NEVER;
});
