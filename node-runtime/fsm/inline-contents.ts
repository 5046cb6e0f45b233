// Small files' bytes (issue #11), carried by their put entries instead of chunks and kept here by
// SHA-256: records with the same content share one copy, which lives as long as one of them does.
// Snapshots store this table beside the records (snapshot-codec.ts), so a follower that installs
// one gets the contents with the metadata.

export interface InlineContent {
  readonly sha256: string;
  readonly bytes: Uint8Array;
}

/** A small file: no chunks, its bytes held by the state machine. An empty file has neither. */
export function isInline(file: { readonly size: number; readonly chunks: readonly unknown[] }): boolean {
  return file.size > 0 && file.chunks.length === 0;
}

export class InlineContents {
  private readonly table = new Map<string, { bytes: Uint8Array; refs: number }>();
  /** Bytes of every held content, kept as it changes (the write path reads it on every write). */
  private heldBytes = 0;

  get(sha256: string): Uint8Array | undefined {
    return this.table.get(sha256)?.bytes;
  }

  /** One more record holds `sha256`; `bytes` are required unless the content is already held. */
  retain(sha256: string, bytes: Uint8Array | undefined): void {
    const held = this.table.get(sha256);
    if (held) {
      held.refs += 1;
      return;
    }
    if (bytes === undefined) throw new Error(`inline content ${sha256} is not held and was not given`);
    // An exact-size copy of its own: a small Buffer (decoded base64, a slice of a message) shares
    // an ArrayBuffer — Node's 8 KiB pool, a whole frame — that it would keep alive for as long as
    // the file lives, several times its own size.
    this.table.set(sha256, { bytes: new Uint8Array(bytes), refs: 1 });
    this.heldBytes += bytes.length;
  }

  release(sha256: string): void {
    const held = this.table.get(sha256);
    if (!held) return;
    held.refs -= 1;
    if (held.refs === 0) {
      this.table.delete(sha256);
      this.heldBytes -= held.bytes.length;
    }
  }

  /** Every held content in SHA-256 order (canonical for snapshots). */
  all(): InlineContent[] {
    return [...this.table.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sha256, { bytes }]) => ({ sha256, bytes }));
  }

  totalBytes(): number {
    return this.heldBytes;
  }

  clear(): void {
    this.table.clear();
    this.heldBytes = 0;
  }
}
