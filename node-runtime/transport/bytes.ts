// Minimal cursor-based byte writer and reader for the Raft codec. Integers are unsigned LEB128
// varints over the full safe-integer range (terms and indexes outgrow 32 bits in long-lived
// clusters), so arithmetic is done with division rather than 32-bit bit operations.
import { CodecError } from './errors';

/** A 2^53 - 1 integer needs ceil(53 / 7) = 8 varint bytes. */
export const MAX_VARINT_BYTES = 8;

export class ByteWriter {
  private readonly buf: Buffer;
  private offset = 0;

  /** `capacity` must be an upper bound of what will be written; overruns are a bug and throw. */
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  u8(value: number): void {
    this.buf[this.offset++] = value;
  }

  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new CodecError(`cannot encode ${value} as an unsigned integer`);
    let n = value;
    while (n >= 0x80) {
      this.buf[this.offset++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.offset++] = n;
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.buf.set(data, this.offset);
    this.offset += data.length;
  }

  string(text: string): void {
    const written = this.buf.write(text, this.offset + MAX_VARINT_BYTES, 'utf8');
    // Write the length in front of the text, then move the text to close any gap.
    const start = this.offset;
    this.varint(written);
    this.buf.copy(this.buf, this.offset, start + MAX_VARINT_BYTES, start + MAX_VARINT_BYTES + written);
    this.offset += written;
  }

  /** The written bytes (a view; the writer must not be used afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.offset);
  }
}

export class ByteReader {
  private offset = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.buf.length;
  }

  u8(): number {
    const value = this.buf[this.offset];
    if (value === undefined) throw new CodecError(`truncated at byte ${this.offset}`);
    this.offset++;
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) throw new CodecError(`integer out of range at byte ${this.offset}`);
        return value;
      }
      scale *= 0x80;
    }
    throw new CodecError(`varint longer than ${MAX_VARINT_BYTES} bytes at byte ${this.offset}`);
  }

  /** A list length; every element takes at least one byte, so a larger count is garbage, not a reason to allocate. */
  count(): number {
    const n = this.varint();
    if (n > this.buf.length - this.offset) throw new CodecError(`count ${n} exceeds the remaining ${this.buf.length - this.offset} bytes`);
    return n;
  }

  /** A length-prefixed byte string, copied so it does not pin the whole frame in memory. */
  bytes(): Uint8Array {
    return new Uint8Array(this.view());
  }

  string(): string {
    return Buffer.from(this.view()).toString('utf8');
  }

  private view(): Uint8Array {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.buf.length) throw new CodecError(`byte string of ${length} overruns the frame at byte ${this.offset}`);
    const view = this.buf.subarray(this.offset, end);
    this.offset = end;
    return view;
  }
}
