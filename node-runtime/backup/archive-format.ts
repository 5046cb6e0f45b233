// The backup archive (issue #18): one stream holding the metadata at a committed index and every
// distinct content it references, written by a node (GET /backup), checked by dfsctl and read by
// `dfs-node restore`. A format promise: readers refuse a formatVersion they do not know.
//
//   "DFSBKUP1"                                   8 bytes
//   frame*   u8 kind | u32 BE header length | header JSON | u64 BE body length | body
//     kind 1, manifest (first): header BackupManifest; body = the state machine's snapshot bytes
//     kind 2, content (one per distinct SHA-256 of a file): header { sha256, size }; body = the bytes
//     kind 3, end (last): header { contents, sha256 }, the SHA-256 of every archive byte before it
//
// A file's content is stored once whatever the number of files holding it; restore cuts it back
// into the chunks the metadata lists and checks each chunk's SHA-256.
import { createHash, type Hash } from 'node:crypto';

export const ARCHIVE_MAGIC = 'DFSBKUP1';
export const ARCHIVE_FORMAT_VERSION = 1;

export const FRAME = { manifest: 1, content: 2, end: 3 } as const;

export interface BackupManifest {
  readonly formatVersion: number;
  /** The Raft index the metadata was taken at: every entry up to it was committed and applied. */
  readonly index: number;
  readonly term: number;
  readonly createdAt: string;
  readonly sourceNode: number;
  readonly files: number;
  /** Distinct contents that follow (one content frame each). */
  readonly contents: number;
  readonly bytes: number;
}

export interface ContentHeader {
  readonly sha256: string;
  readonly size: number;
}

export interface EndHeader {
  readonly contents: number;
  readonly sha256: string;
}

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

/** The bytes that open a frame; its body (of `bodyLength` bytes) follows. */
export function frameHead(kind: number, header: object, bodyLength: number): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.alloc(1 + 4 + json.length + 8);
  head.writeUInt8(kind, 0);
  head.writeUInt32BE(json.length, 1);
  json.copy(head, 5);
  head.writeBigUInt64BE(BigInt(bodyLength), 5 + json.length);
  return head;
}

export interface Frame {
  readonly kind: number;
  readonly header: Record<string, unknown>;
  readonly bodyLength: number;
  /** Must be read to its end before the next frame is asked for. */
  readonly body: AsyncIterable<Buffer>;
}

const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Reads an archive's frames in order, hashing every byte: `digestSoFar()` is the SHA-256 of all
 * bytes before the frame last returned, which the end frame must name.
 */
export class ArchiveReader {
  private readonly source: AsyncIterator<Buffer>;
  private pending: Buffer = Buffer.alloc(0);
  private readonly hash: Hash = createHash('sha256');
  private digestBeforeFrame = '';

  constructor(stream: AsyncIterable<Buffer | Uint8Array>) {
    this.source = (async function* () {
      for await (const piece of stream) yield Buffer.from(piece);
    })();
  }

  digestBeforeLastFrame(): string {
    return this.digestBeforeFrame;
  }

  async readMagic(): Promise<void> {
    const magic = (await this.exactly(ARCHIVE_MAGIC.length)).toString('latin1');
    if (magic !== ARCHIVE_MAGIC) throw new ArchiveError(`not a DFS backup archive (starts with ${JSON.stringify(magic)})`);
  }

  /** The next frame, or null at the end of the stream. */
  async next(): Promise<Frame | null> {
    this.digestBeforeFrame = this.hash.copy().digest('hex');
    if (this.pending.length === 0 && !(await this.fill())) return null;
    const kind = (await this.exactly(1)).readUInt8(0);
    const headerLength = (await this.exactly(4)).readUInt32BE(0);
    if (headerLength > MAX_HEADER_BYTES) throw new ArchiveError(`a frame header of ${headerLength} bytes: the archive is damaged`);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse((await this.exactly(headerLength)).toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new ArchiveError('a frame header is not JSON: the archive is damaged');
    }
    const bodyLength = Number((await this.exactly(8)).readBigUInt64BE(0));
    return { kind, header, bodyLength, body: this.bodyOf(bodyLength) };
  }

  private async *bodyOf(length: number): AsyncGenerator<Buffer> {
    let left = length;
    while (left > 0) {
      if (this.pending.length === 0 && !(await this.fill())) throw new ArchiveError('the archive ends in the middle of a frame (truncated)');
      const piece = this.take(Math.min(left, this.pending.length));
      left -= piece.length;
      yield piece;
    }
  }

  private async exactly(n: number): Promise<Buffer> {
    while (this.pending.length < n) {
      if (!(await this.fill())) throw new ArchiveError('the archive ends in the middle of a frame (truncated)');
    }
    return this.take(n);
  }

  private take(n: number): Buffer {
    const piece = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    this.hash.update(piece);
    return piece;
  }

  private async fill(): Promise<boolean> {
    const { value, done } = await this.source.next();
    if (done) return false;
    this.pending = this.pending.length === 0 ? value : Buffer.concat([this.pending, value]);
    return true;
  }
}
