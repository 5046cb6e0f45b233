// The byte layout of command format 3: the format byte, the JSON's length (4 bytes, big-endian),
// the JSON (UTF-8), then raw bytes the JSON refers to (a put's inline content). Formats 1 and 2
// are the format byte then JSON only (tagged-json.ts), so a small file's bytes travelled as base64
// inside the JSON: a third more bytes in every log, on every wire, for every replica.

const HEAD_BYTES = 5;
const encoder = new TextEncoder();
// fatal: invalid UTF-8 is corruption, not something to paper over with U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeFramed(format: number, value: unknown, tail: Uint8Array): Uint8Array {
  const json = encoder.encode(JSON.stringify(value));
  const bytes = new Uint8Array(HEAD_BYTES + json.length + tail.length);
  bytes[0] = format;
  new DataView(bytes.buffer).setUint32(1, json.length);
  bytes.set(json, HEAD_BYTES);
  bytes.set(tail, HEAD_BYTES + json.length);
  return bytes;
}

/** The JSON value and the raw tail of framed bytes (whose format byte the caller checked); throws on damage. */
export function decodeFramed(bytes: Uint8Array): { value: unknown; tail: Uint8Array } {
  if (bytes.length < HEAD_BYTES) throw new Error('shorter than its header');
  const jsonBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  if (HEAD_BYTES + jsonBytes > bytes.length) throw new Error(`its JSON of ${jsonBytes} bytes runs past its end`);
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes.subarray(HEAD_BYTES, HEAD_BYTES + jsonBytes)));
  } catch {
    throw new Error('malformed JSON or UTF-8');
  }
  return { value, tail: bytes.subarray(HEAD_BYTES + jsonBytes) };
}
