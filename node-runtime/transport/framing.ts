// Length-prefixed frames on a byte stream: u32 big-endian payload length, then the payload.
// The decoder reassembles frames from arbitrary TCP chunk boundaries and refuses oversized ones
// before buffering them, so a garbage length cannot make the receiver allocate gigabytes.
import { CodecError } from './errors';

export const FRAME_HEADER_BYTES = 4;

/** One frame holding the given records back to back (one copy, into the frame). */
export function encodeFrame(records: readonly Buffer[]): Buffer {
  let length = 0;
  for (const r of records) length += r.length;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  let offset = FRAME_HEADER_BYTES;
  for (const r of records) {
    r.copy(frame, offset);
    offset += r.length;
  }
  return frame;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds received bytes; returns the payloads of all frames completed by them. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    while (this.buffered >= FRAME_HEADER_BYTES) {
      const length = this.peekLength();
      if (length > this.maxFrameBytes) throw new CodecError(`frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
      if (this.buffered < FRAME_HEADER_BYTES + length) break;
      frames.push(this.take(FRAME_HEADER_BYTES + length).subarray(FRAME_HEADER_BYTES));
    }
    return frames;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first && first.length >= FRAME_HEADER_BYTES) return first.readUInt32BE(0);
    return this.take(FRAME_HEADER_BYTES, true).readUInt32BE(0);
  }

  /** Removes `n` bytes from the front (or only reads them when `peek`), copying only across chunk boundaries. */
  private take(n: number, peek = false): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
      if (!peek) {
        if (first.length === n) this.chunks.shift();
        else this.chunks[0] = first.subarray(n);
      }
    } else {
      const joined = Buffer.concat(this.chunks);
      out = joined.subarray(0, n);
      this.chunks = peek ? [joined] : joined.length > n ? [joined.subarray(n)] : [];
    }
    if (!peek) this.buffered -= n;
    return out;
  }
}
