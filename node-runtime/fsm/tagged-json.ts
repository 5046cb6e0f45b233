// The byte format shared by commands and snapshots: one format byte, then UTF-8 JSON.
// The leading byte lets a later build switch to a denser encoding and still read old logs.
import { unreadableFormat } from '../common/format-version';

export class TaggedDecodeError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'TaggedDecodeError';
  }
}

const encoder = new TextEncoder();
// fatal: invalid UTF-8 is corruption, not something to paper over with U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeTagged(format: number, value: unknown): Uint8Array {
  const json = encoder.encode(JSON.stringify(value));
  const bytes = new Uint8Array(json.length + 1);
  bytes[0] = format;
  bytes.set(json, 1);
  return bytes;
}

/** Parses bytes written by encodeTagged with one of `formats`; throws TaggedDecodeError otherwise. */
export function decodeTagged(formats: number | readonly number[], bytes: Uint8Array): unknown {
  const readable = typeof formats === 'number' ? [formats] : formats;
  if (bytes.length === 0) throw new TaggedDecodeError('empty data');
  if (!readable.includes(bytes[0] as number)) throw new TaggedDecodeError(unreadableFormat('the data', bytes[0], readable));
  try {
    return JSON.parse(decoder.decode(bytes.subarray(1))) as unknown;
  } catch {
    throw new TaggedDecodeError('malformed JSON or UTF-8');
  }
}
