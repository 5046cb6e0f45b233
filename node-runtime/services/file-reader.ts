// The read path: serve a file from local chunks, each verified against its SHA-256 before a byte
// of it leaves; a missing or corrupt chunk is repaired from a peer first. Memory per request is
// one chunk, whatever the file's size. A small file's bytes come from the state machine (they
// travelled in its put entry; the node keeps them in a pack on disk) and are verified against the
// file's SHA-256 the same way, and repaired from a peer the same way when they do not match.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FileInfo } from '../common/api-types';
import { isInline } from '../fsm';
import type { ByteRange } from '../ports';
import type { ChunkRepairer } from './chunk-repairer';

export interface VerifiedChunks {
  /** The chunk's bytes when held here and intact; null when missing or corrupt. */
  readVerified(hash: string): Promise<Buffer | null>;
}

export class FileReader {
  constructor(
    private readonly chunks: VerifiedChunks,
    /** A small file's bytes by its SHA-256 (StateMachine.inlineContent). */
    private readonly inlineContent: (sha256: string) => Uint8Array | undefined,
    private readonly repairer: ChunkRepairer,
    /** Repairs a small file's content in the pack (its store writes there, not to the chunk store). */
    private readonly inlineRepairer: ChunkRepairer,
    private readonly onCorruptOrMissing: (hash: string) => void,
    private readonly onServed: (bytes: number) => void,
  ) {}

  read(info: FileInfo, range: ByteRange | null): Readable {
    const first = range?.start ?? 0;
    const last = range?.end ?? info.size - 1;
    return Readable.from(this.bytes(info, first, last), { objectMode: false });
  }

  private async *bytes(info: FileInfo, first: number, last: number): AsyncGenerator<Buffer> {
    if (isInline(info)) {
      const piece = (await this.verifiedInline(info)).subarray(first, last + 1);
      this.onServed(piece.length);
      yield piece;
      return;
    }
    let offset = 0;
    for (const chunk of info.chunks) {
      const start = offset;
      const end = offset + chunk.size - 1;
      offset += chunk.size;
      if (end < first) continue;
      if (start > last) break;
      let data = await this.chunks.readVerified(chunk.hash);
      if (!data) {
        this.onCorruptOrMissing(chunk.hash);
        data = await this.repairer.repair(chunk.hash, chunk.size);
      }
      const piece = data.subarray(Math.max(first, start) - start, Math.min(last, end) - start + 1);
      this.onServed(piece.length);
      yield piece;
    }
  }

  private async verifiedInline(info: FileInfo): Promise<Buffer> {
    const content = this.inlineContent(info.sha256);
    // Gone only when the file was overwritten or deleted since `info` was read.
    if (content === undefined) throw new Error(`the content of "${info.name}" (SHA-256 ${info.sha256}) is no longer held`);
    const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    if (createHash('sha256').update(bytes).digest('hex') === info.sha256) return bytes;
    this.onCorruptOrMissing(info.sha256);
    return this.inlineRepairer.repair(info.sha256, info.size);
  }
}
