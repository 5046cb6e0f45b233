// The contents a snapshot that names them (format 5 or 6) lists, found without decoding it (issue #11).
// A node sends a follower its snapshot as it stored it, followed by every content it names
// (transport/snapshot-stream.ts); decoding the snapshot to learn which ones — one JSON.parse of
// the whole state, about 0.4 s at 75,000 files — held the leader's event loop long enough to
// cost its term. Snapshots are canonical (snapshot-codec.ts: `files`, then `contents`, keys in
// that order), so the files array is skipped by a byte scan that only tracks strings and nesting,
// and the contents — `{"sha256":…,"size":…}` each, nothing nested, no escapes — are parsed a
// thousand at a time. Every step is a bounded piece of work: the caller yields between pieces.
import { checkInlineContent, FileRecordError } from './file-record-check';
import { namesContents, SnapshotFormatError } from './snapshot-codec';

const FILES_START = Buffer.from(',"files":[');
const CONTENTS_START = Buffer.from('],"contents":[');
/** Bytes of the files array scanned per piece: a millisecond or two. */
const SCAN_BYTES_PER_PIECE = 1024 * 1024;
const CONTENTS_PER_PIECE = 1000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;

export interface NamedContent {
  readonly sha256: string;
  readonly size: number;
}

/**
 * The contents a format-5 or format-6 snapshot names, in its order (by SHA-256), a thousand to a piece; empty
 * pieces while the scan is still in the files. Nothing for a snapshot of another format (its
 * contents, if any, are inside it). SnapshotFormatError when the bytes are not as written.
 */
export function* namedContentsPieces(data: Uint8Array): Generator<readonly NamedContent[], void, undefined> {
  if (!namesContents(data)) return;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const filesAt = bytes.indexOf(FILES_START);
  if (filesAt < 0) throw new SnapshotFormatError('no files array');
  let at = filesAt + FILES_START.length;
  const scan = { depth: 1, inString: false, escaped: false };
  while (scan.depth > 0) {
    if (at >= bytes.length) throw new SnapshotFormatError('the files array does not end');
    at = skipJson(bytes, at, Math.min(bytes.length, at + SCAN_BYTES_PER_PIECE), scan);
    if (scan.depth > 0) yield [];
  }
  // `at` is just past the files array's closing bracket.
  if (!bytes.subarray(at - 1, at - 1 + CONTENTS_START.length).equals(CONTENTS_START)) throw new SnapshotFormatError('no contents array after the files');
  at += CONTENTS_START.length - 1;
  if (bytes[at] === CLOSE_BRACKET) return;
  for (let index = 0; ; ) {
    const start = at;
    let count = 0;
    for (; count < CONTENTS_PER_PIECE; count++) {
      const end = bytes.indexOf(CLOSE_BRACE, at);
      if (end < 0) throw new SnapshotFormatError('the contents array does not end');
      at = end + 2; // past the brace and its comma or closing bracket
      if (bytes[end + 1] !== COMMA) break;
    }
    const last = bytes[at - 1] === CLOSE_BRACKET;
    if (!last && bytes[at - 1] !== COMMA) throw new SnapshotFormatError('malformed contents array');
    yield parseContents(bytes.subarray(start, at - 1), index);
    index += count + (last ? 1 : 0);
    if (last) return;
  }
}

/** Scans bytes [from, to) of JSON, tracking strings and nesting; stops just past where depth reaches 0. */
function skipJson(bytes: Buffer, from: number, to: number, scan: { depth: number; inString: boolean; escaped: boolean }): number {
  let { depth, inString, escaped } = scan;
  let i = from;
  for (; i < to && depth > 0; i++) {
    const b = bytes[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (b === BACKSLASH) escaped = true;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACKET || b === OPEN_BRACE) depth++;
    else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) depth--;
  }
  Object.assign(scan, { depth, inString, escaped });
  return i;
}

function parseContents(text: Buffer, firstIndex: number): NamedContent[] {
  let values: unknown;
  try {
    values = JSON.parse(`[${text.toString('utf8')}]`);
  } catch {
    throw new SnapshotFormatError(`contents ${firstIndex}…: malformed JSON`);
  }
  return (values as unknown[]).map((value, i) => {
    try {
      return checkInlineContent(value, `contents.${firstIndex + i}`, true) as NamedContent;
    } catch (err) {
      if (err instanceof FileRecordError) throw new SnapshotFormatError(err.message);
      throw err;
    }
  });
}
