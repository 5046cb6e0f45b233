// Small files' bytes on disk instead of in memory (issue #11): one append-only pack file per
// generation, `<dataDir>/inline/pack-<n>`, and an index in memory (SHA-256 → offset and length).
// A read is one pread; a write is one pwrite to the page cache, with no open, fsync or close.
//
// The pack is not where these bytes are durable: the WAL entries that carried them and the
// snapshots that hold them are (storage/README.md, "Small files"). So the pack is never fsynced,
// and it is rebuilt at every start from the snapshot and the log: a node opens it empty, deleting
// whatever an earlier run left. Nothing reads a pack another run wrote, so its layout (contents
// back to back, nothing else) promises nothing. Every read is still checked against the SHA-256 by
// whoever serves the bytes, and the scrubber re-hashes what the pack holds.
//
// Dropped contents leave dead bytes behind; once they outweigh the live ones (and 16 MiB) the live
// ones are copied into a new generation and the old file is unlinked. A snapshot captured before
// that keeps reading the old one through its descriptor, which closes once nothing refers to it.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Dead bytes that make compaction worth it, whatever the live bytes. */
const MIN_DEAD_FOR_COMPACTION = 16 * 1024 * 1024;

/** One pack file; its descriptor lives as long as something (the pack, a captured read) refers to it. */
class PackFile {
  size = 0;
  /** Set by ContentPack.close: the descriptor's number may belong to another file by now. */
  closed = false;
  constructor(
    readonly path: string,
    readonly fd: number,
  ) {}

  append(bytes: Uint8Array): number {
    const offset = this.size;
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written, offset + written);
    this.size += bytes.length;
    return offset;
  }

  read(offset: number, length: number): Buffer {
    if (this.closed) throw new Error(`pack ${this.path} is closed`);
    const bytes = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, bytes, got, length - got, offset + got);
      if (n === 0) throw new Error(`pack ${this.path} ends at ${offset + got}, before the ${length} bytes at ${offset}`);
      got += n;
    }
    return bytes;
  }
}

/** Closes a retired pack file's descriptor once no captured read can reach it any more. */
const closeWhenUnreachable = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed by ContentPack.close.
  }
});

interface Location {
  readonly file: PackFile;
  readonly offset: number;
  readonly length: number;
}

/** The state machine's ContentBytes (fsm/inline-contents.ts) on disk. */
export class ContentPack {
  private readonly index = new Map<string, Location>();
  private liveBytes = 0;
  private generation = 0;
  private file: PackFile;

  private constructor(private readonly dir: string) {
    this.file = this.newFile();
  }

  /** Opens an empty pack in `dir` (created if needed), removing what an earlier run left there. */
  static open(dir: string): ContentPack {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) rmSync(path.join(dir, name), { force: true, recursive: true });
    return new ContentPack(dir);
  }

  put(sha256: string, bytes: Uint8Array): void {
    if (this.index.has(sha256)) return;
    this.index.set(sha256, { file: this.file, offset: this.file.append(bytes), length: bytes.length });
    this.liveBytes += bytes.length;
  }

  get(sha256: string): Buffer | undefined {
    const at = this.index.get(sha256);
    return at === undefined ? undefined : at.file.read(at.offset, at.length);
  }

  drop(sha256: string): void {
    const at = this.index.get(sha256);
    if (at === undefined) return;
    this.index.delete(sha256);
    this.liveBytes -= at.length;
    const dead = this.file.size - this.liveBytes;
    if (dead >= MIN_DEAD_FOR_COMPACTION && dead > this.liveBytes) this.compact();
  }

  /**
   * Checked against the SHA-256 when read: a snapshot's checksum covers what it was given, so
   * bytes damaged in the pack must not reach one (the scrubber repairs them from a peer).
   */
  capture(sha256: string): () => Buffer {
    const at = this.index.get(sha256);
    if (at === undefined) throw new Error(`inline content ${sha256} is not in the pack`);
    return () => {
      const bytes = at.file.read(at.offset, at.length);
      if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new Error(`inline content ${sha256} in pack ${at.file.path} does not match its SHA-256`);
      return bytes;
    };
  }

  clear(): void {
    this.index.clear();
    this.liveBytes = 0;
    this.retire(this.file);
    this.file = this.newFile();
  }

  /** Every content held, with its SHA-256 (the scrubber re-hashes them). */
  *entries(): Generator<{ sha256: string; length: number }> {
    for (const [sha256, at] of [...this.index]) {
      if (this.index.has(sha256)) yield { sha256, length: at.length };
    }
  }

  /**
   * Writes `bytes` again as the content `sha256` (the scrubber's repair, with bytes it checked):
   * the index points at the new copy; the damaged one is dead bytes.
   */
  replace(sha256: string, bytes: Uint8Array): void {
    const at = this.index.get(sha256);
    if (at === undefined || at.length !== bytes.length) return;
    this.index.set(sha256, { file: this.file, offset: this.file.append(bytes), length: bytes.length });
  }

  /** Bytes in the current pack file, live and dead. */
  fileBytes(): number {
    return this.file.size;
  }

  close(): void {
    this.index.clear();
    closeWhenUnreachable.unregister(this.file);
    this.file.closed = true;
    closeSync(this.file.fd);
  }

  private newFile(): PackFile {
    this.generation += 1;
    const file = path.join(this.dir, `pack-${this.generation}`);
    const packFile = new PackFile(file, openSync(file, 'w+'));
    closeWhenUnreachable.register(packFile, packFile.fd, packFile);
    return packFile;
  }

  /** The file stays readable through its descriptor for captured reads; its name goes now. */
  private retire(file: PackFile): void {
    unlinkSync(file.path);
  }

  private compact(): void {
    const old = this.file;
    this.file = this.newFile();
    for (const [sha256, at] of this.index) {
      this.index.set(sha256, { file: this.file, offset: this.file.append(at.file.read(at.offset, at.length)), length: at.length });
    }
    this.retire(old);
  }
}
