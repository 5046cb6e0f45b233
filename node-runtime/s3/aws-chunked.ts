// The body of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload (what minio-go, restic and the Java
// SDK send): `<hex size>;chunk-signature=<sig>\r\n<bytes>\r\n` repeated, ending with a zero-size
// chunk. Each chunk's signature chains from the previous one (the first from the request's own),
// so a chunk that was altered, dropped or reordered fails the upload. Bytes pass on as they
// arrive; a chunk's signature is checked when its last byte has gone by, so a bad one fails the
// stream before the writer commits anything.
import { createHash, createHmac, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from './s3-errors';
import { EMPTY_SHA256 } from './sigv4';

export interface ChunkSigning {
  readonly key: Buffer;
  readonly scope: string;
  readonly amzDate: string;
  readonly seedSignature: string;
}

const MAX_HEADER_BYTES = 4096;

export class AwsChunkedDecoder extends Transform {
  private header = '';
  private remaining = 0;
  private inData = false;
  private crlfLeft = 0;
  private finished = false;
  private hash: Hash = createHash('sha256');
  private expectedSignature = '';
  private previousSignature: string;
  private decoded = 0;
  private chunkSize = 0;

  constructor(
    private readonly signing: ChunkSigning,
    private readonly declaredSize: number,
  ) {
    super();
    this.previousSignature = signing.seedSignature;
  }

  override _transform(piece: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let offset = 0;
      while (offset < piece.length) offset = this.step(piece, offset);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (!this.finished) callback(new S3Error('IncompleteBody', 'The aws-chunked body ended before its final zero-size chunk.'));
    else if (this.decoded !== this.declaredSize) callback(new S3Error('IncompleteBody', `The aws-chunked body carried ${this.decoded} bytes, not the declared ${this.declaredSize}.`));
    else callback();
  }

  /** Consumes what it can from `piece` at `offset`; returns the new offset. */
  private step(piece: Buffer, offset: number): number {
    if (this.finished) {
      // Trailing CRLF (and any trailer lines) after the final chunk: nothing more to pass on.
      return piece.length;
    }
    if (this.crlfLeft > 0) {
      const c = piece[offset];
      if (c !== (this.crlfLeft === 2 ? 0x0d : 0x0a)) throw new S3Error('IncompleteBody', 'An aws-chunked chunk is not followed by CRLF.');
      this.crlfLeft -= 1;
      return offset + 1;
    }
    if (this.inData) {
      const take = Math.min(this.remaining, piece.length - offset);
      const data = piece.subarray(offset, offset + take);
      this.hash.update(data);
      this.push(data);
      this.decoded += take;
      this.remaining -= take;
      if (this.remaining === 0) this.endChunk();
      return offset + take;
    }
    const lf = piece.indexOf(0x0a, offset);
    const end = lf < 0 ? piece.length : lf + 1;
    this.header += piece.toString('latin1', offset, end);
    if (this.header.length > MAX_HEADER_BYTES) throw new S3Error('IncompleteBody', 'An aws-chunked chunk header is too long.');
    if (lf >= 0) this.beginChunk();
    return end;
  }

  private beginChunk(): void {
    const match = /^([0-9a-fA-F]+);chunk-signature=([0-9a-f]{64})\r\n$/.exec(this.header);
    this.header = '';
    if (!match) throw new S3Error('IncompleteBody', 'An aws-chunked chunk header is malformed.');
    this.remaining = Number.parseInt(match[1] as string, 16);
    this.chunkSize = this.remaining;
    this.expectedSignature = match[2] as string;
    this.hash = createHash('sha256');
    this.inData = true;
    if (this.remaining === 0) this.endChunk();
  }

  private endChunk(): void {
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', this.signing.amzDate, this.signing.scope, this.previousSignature, EMPTY_SHA256, this.hash.digest('hex')].join('\n');
    const signature = createHmac('sha256', this.signing.key).update(toSign).digest('hex');
    if (signature !== this.expectedSignature) throw new S3Error('SignatureDoesNotMatch', 'A chunk signature of the aws-chunked body does not match.');
    this.previousSignature = signature;
    this.inData = false;
    // The zero-size chunk ends the body; what follows it (CRLF, trailers) carries no data.
    if (this.chunkSize === 0) this.finished = true;
    else this.crlfLeft = 2;
  }
}
