// Small files' bytes (issue #11), carried by their put entries instead of chunks and kept here by
// SHA-256: records with the same content share one copy, which lives as long as one of them does.
// Snapshots store this table beside the records (snapshot-codec.ts), so a follower that installs
// one gets the contents with the metadata.
//
// This table counts references; where the bytes live is a ContentBytes store's business: in
// memory (MemoryContentBytes, for tests and the simulator), or in a node's pack file on disk
// (storage/content-pack.ts), so that 32 MiB of small files do not sit in every node's memory.

/** A content as a snapshot captures it: the bytes held at capture, read when they are written out. */
export interface InlineContent {
  readonly sha256: string;
  read(): Uint8Array;
}

/**
 * Where inline contents' bytes are kept. Called only by InlineContents, which counts references:
 * `put` is called once per content held, `drop` when the last record using it goes.
 */
export interface ContentBytes {
  put(sha256: string, bytes: Uint8Array): void;
  get(sha256: string): Uint8Array | undefined;
  drop(sha256: string): void;
  /**
   * Reads the bytes held now under `sha256` at any later time, also after they were dropped: a
   * snapshot captures the state at a Ready boundary and is written out while commands go on.
   */
  capture(sha256: string): () => Uint8Array;
  clear(): void;
}

/** ContentBytes in memory. */
export class MemoryContentBytes implements ContentBytes {
  private readonly table = new Map<string, Uint8Array>();

  put(sha256: string, bytes: Uint8Array): void {
    // An exact-size copy of its own: a small Buffer (decoded base64, a slice of a message) shares
    // an ArrayBuffer — Node's 8 KiB pool, a whole frame — that it would keep alive for as long as
    // the file lives, several times its own size.
    this.table.set(sha256, new Uint8Array(bytes));
  }

  get(sha256: string): Uint8Array | undefined {
    return this.table.get(sha256);
  }

  drop(sha256: string): void {
    this.table.delete(sha256);
  }

  capture(sha256: string): () => Uint8Array {
    const bytes = this.table.get(sha256);
    if (bytes === undefined) throw new Error(`inline content ${sha256} is not held`);
    return () => bytes;
  }

  clear(): void {
    this.table.clear();
  }
}

/** A small file: no chunks, its bytes held by the state machine. An empty file has neither. */
export function isInline(file: { readonly size: number; readonly chunks: readonly unknown[] }): boolean {
  return file.size > 0 && file.chunks.length === 0;
}

export class InlineContents {
  /** Records using each held content, and its size. */
  private readonly refs = new Map<string, { refs: number; size: number }>();
  /** Bytes of every held content, kept as it changes (the write path reads it on every write). */
  private heldBytes = 0;

  constructor(private readonly bytes: ContentBytes = new MemoryContentBytes()) {}

  get(sha256: string): Uint8Array | undefined {
    return this.refs.has(sha256) ? this.bytes.get(sha256) : undefined;
  }

  holds(sha256: string): boolean {
    return this.refs.has(sha256);
  }

  /** One more record holds `sha256`; `bytes` are required unless the content is already held. */
  retain(sha256: string, bytes: Uint8Array | undefined): void {
    const held = this.refs.get(sha256);
    if (held) {
      held.refs += 1;
      return;
    }
    if (bytes === undefined) throw new Error(`inline content ${sha256} is not held and was not given`);
    this.bytes.put(sha256, bytes);
    this.refs.set(sha256, { refs: 1, size: bytes.length });
    this.heldBytes += bytes.length;
  }

  release(sha256: string): void {
    const held = this.refs.get(sha256);
    if (!held) return;
    held.refs -= 1;
    if (held.refs === 0) {
      this.refs.delete(sha256);
      this.bytes.drop(sha256);
      this.heldBytes -= held.size;
    }
  }

  /** Every held content in SHA-256 order (canonical for snapshots), as held now. */
  all(): InlineContent[] {
    return [...this.refs.keys()].sort().map((sha256) => ({ sha256, read: this.bytes.capture(sha256) }));
  }

  totalBytes(): number {
    return this.heldBytes;
  }

  clear(): void {
    this.refs.clear();
    this.bytes.clear();
    this.heldBytes = 0;
  }
}
