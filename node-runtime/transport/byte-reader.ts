// Exact-length reads from a body that arrives in pieces of any size (a request stream): a field
// is a view of one piece when it fits in one, else one copy. Only what was asked for is buffered.
import { CodecError } from './errors';

/** Exact-length reads from a stream of pieces; a body that ends early is a CodecError. */
export class ByteReader {
  private readonly pieces: Buffer[] = [];
  private buffered = 0;
  private readonly source: AsyncIterator<Buffer>;
  /** Bytes taken from the source so far. */
  total = 0;

  constructor(body: AsyncIterable<Buffer>) {
    this.source = body[Symbol.asyncIterator]();
  }

  async read(n: number, limit = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
    if (n > limit) throw new CodecError(`a snapshot stream field of ${n} bytes exceeds ${limit}`);
    while (this.buffered < n) {
      const next = await this.source.next();
      if (next.done === true) throw new CodecError(`snapshot stream ended ${n - this.buffered} bytes short of a field`);
      this.pieces.push(next.value);
      this.buffered += next.value.length;
      this.total += next.value.length;
    }
    const first = this.pieces[0] as Buffer | undefined;
    if (first !== undefined && first.length >= n) {
      // A view of the piece: what it is handed to copies it (the pack) or holds it briefly.
      if (first.length === n) this.pieces.shift();
      else this.pieces[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const piece = this.pieces[0] as Buffer;
      const take = Math.min(piece.length, n - at);
      piece.copy(out, at, 0, take);
      at += take;
      if (take === piece.length) this.pieces.shift();
      else this.pieces[0] = piece.subarray(take);
    }
    this.buffered -= n;
    return out;
  }

  async expectEnd(): Promise<void> {
    if (this.buffered > 0 || (await this.source.next()).done !== true) throw new CodecError('bytes after the end of a snapshot stream');
  }
}
