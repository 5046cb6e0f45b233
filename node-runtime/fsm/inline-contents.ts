// Small files' bytes (issue #11), carried by their put entries instead of chunks and kept here by
// SHA-256: records with the same content share one copy, which lives as long as one of them does.
//
// This table counts references; where the bytes live is a ContentBytes store's business: in
// memory (MemoryContentBytes, for tests and the simulator), or in a node's pack files on disk
// (storage/content-pack.ts). Snapshots carry the bytes beside the records (snapshot-codec.ts,
// format 4) unless the store is durable: then they name each content by SHA-256 and size
// (format 5), and the store keeps what the last durable snapshot names.

import { SortedNameIndex } from './sorted-names';

/**
 * A content as a snapshot holds it: its bytes as they were at capture, read when they are written
 * out; or, in a snapshot that names contents (format 5), none.
 */
export interface InlineContent {
  readonly sha256: string;
  readonly size: number;
  readonly read?: () => Uint8Array;
}

/**
 * Where inline contents' bytes are kept. Called only by InlineContents, which counts references:
 * `put` (or `adopt`) once per content held, `drop` when the last record using it goes.
 */
export interface ContentBytes {
  /** Whether the bytes outlive the process: snapshots then name contents instead of carrying them. */
  readonly durable: boolean;
  put(sha256: string, bytes: Uint8Array): void;
  /** A restored snapshot names `sha256` without its bytes: a durable store holds them already. */
  adopt(sha256: string, size: number): void;
  get(sha256: string): Uint8Array | undefined;
  /** The length of the content held (or adopted) under `sha256`, without reading it. */
  size(sha256: string): number | undefined;
  drop(sha256: string): void;
  /**
   * Reads the bytes held now under `sha256` at any later time, also after they were dropped: a
   * snapshot captures the state at a Ready boundary and is written out while commands go on.
   */
  capture(sha256: string): () => Uint8Array;
  /**
   * The state at `index` is being captured for a snapshot. A durable store keeps what was dropped
   * after this until that snapshot is durable (the node tells it: ContentPack.releaseUpTo).
   */
  mark(index: number): void;
}

/** ContentBytes in memory. */
export class MemoryContentBytes implements ContentBytes {
  readonly durable = false;
  private readonly table = new Map<string, Uint8Array>();

  put(sha256: string, bytes: Uint8Array): void {
    // An exact-size copy of its own: a small Buffer (decoded base64, a slice of a message) shares
    // an ArrayBuffer — Node's 8 KiB pool, a whole frame — that it would keep alive for as long as
    // the file lives, several times its own size.
    this.table.set(sha256, new Uint8Array(bytes));
  }

  adopt(sha256: string): void {
    // StateMachine.restore refuses a snapshot that names contents before a store in memory sees it.
    throw new Error(`inline content ${sha256} is named without its bytes, which memory does not hold`);
  }

  get(sha256: string): Uint8Array | undefined {
    return this.table.get(sha256);
  }

  size(sha256: string): number | undefined {
    return this.table.get(sha256)?.length;
  }

  drop(sha256: string): void {
    this.table.delete(sha256);
  }

  capture(sha256: string): () => Uint8Array {
    const bytes = this.table.get(sha256);
    if (bytes === undefined) throw new Error(`inline content ${sha256} is not held`);
    return () => bytes;
  }

  mark(): void {
    // Dropped bytes go at once: snapshots of a store in memory carry them.
  }
}

/** A small file: no chunks, its bytes held by the state machine. An empty file has neither. */
export function isInline(file: { readonly size: number; readonly chunks: readonly unknown[] }): boolean {
  return file.size > 0 && file.chunks.length === 0;
}

export class InlineContents {
  /**
   * Records using each held content. A plain count, not an object with the size beside it: one
   * object per small file was 4 MiB of heap at 100,000 files (issue #11); the size is the store's.
   */
  private readonly refs = new Map<string, number>();
  /** Bytes of every held content, kept as it changes (the write path reads it on every write). */
  private heldBytes = 0;
  /**
   * The held SHA-256s in order, kept as they change: a snapshot lists contents sorted, and sorting
   * 100,000 of them when one is captured stalled the Ready loop for 100–250 ms each time.
   */
  private readonly sorted = new SortedNameIndex();

  constructor(private readonly bytes: ContentBytes = new MemoryContentBytes()) {}

  /** Whether snapshots name contents instead of carrying their bytes (ContentBytes.durable). */
  get durable(): boolean {
    return this.bytes.durable;
  }

  get(sha256: string): Uint8Array | undefined {
    return this.refs.has(sha256) ? this.bytes.get(sha256) : undefined;
  }

  holds(sha256: string): boolean {
    return this.refs.has(sha256);
  }

  /** One more record holds `sha256`; `bytes` are required unless the content is already held. */
  retain(sha256: string, bytes: Uint8Array | undefined): void {
    const held = this.refs.get(sha256);
    if (held !== undefined) {
      this.refs.set(sha256, held + 1);
      return;
    }
    if (bytes === undefined) throw new Error(`inline content ${sha256} is not held and was not given`);
    this.bytes.put(sha256, bytes);
    this.hold(sha256, bytes.length);
  }

  /**
   * One more record holds `sha256`, whose bytes a durable store holds already (a snapshot named
   * it). `ordered` false leaves the SHA-256 out of the sorted index until orderHeld rebuilds it:
   * a restore adopts 100,000 contents in their records' (name) order, and as many sorted inserts
   * were about 100 ms of a restart (issue #11).
   */
  adopt(sha256: string, size: number, ordered = true): void {
    const held = this.refs.get(sha256);
    if (held !== undefined) {
      this.refs.set(sha256, held + 1);
      return;
    }
    this.bytes.adopt(sha256, size);
    this.refs.set(sha256, 1);
    if (ordered) this.sorted.add(sha256);
    this.heldBytes += size;
  }

  /**
   * Rebuilds the sorted index of held SHA-256s from `candidates` (a snapshot's contents, sorted by
   * SHA-256): the held ones among them, in one pass. Should they not be strictly sorted, or not
   * name every held content, the held ones are sorted here instead: the index is the same either way.
   */
  orderHeld(candidates: readonly { readonly sha256: string }[]): void {
    let inOrder: string[] | null = [];
    for (const { sha256 } of candidates) {
      if (!this.refs.has(sha256)) continue;
      if (inOrder.length > 0 && !((inOrder[inOrder.length - 1] as string) < sha256)) {
        inOrder = null;
        break;
      }
      inOrder.push(sha256);
    }
    this.sorted.reset(inOrder !== null && inOrder.length === this.refs.size ? inOrder : [...this.refs.keys()].sort());
  }

  private hold(sha256: string, size: number): void {
    this.refs.set(sha256, 1);
    this.sorted.add(sha256);
    this.heldBytes += size;
  }

  /** One record fewer holds `sha256`, a content of `size` bytes (the record's size). */
  release(sha256: string, size: number): void {
    const held = this.refs.get(sha256);
    if (held === undefined) return;
    if (held > 1) {
      this.refs.set(sha256, held - 1);
      return;
    }
    this.refs.delete(sha256);
    this.sorted.remove(sha256);
    this.bytes.drop(sha256);
    this.heldBytes -= size;
  }

  /**
   * Every held content in SHA-256 order (canonical for snapshots), captured for a snapshot of the
   * state at `index`: with the bytes as held now, or (`withBytes` false) by name and size only.
   */
  capture(index: number, withBytes: boolean): InlineContent[] {
    this.bytes.mark(index);
    return this.sorted.all().map((sha256) => {
      const size = this.bytes.size(sha256);
      if (size === undefined) throw new Error(`inline content ${sha256} is held but its store has no size for it`);
      return withBytes ? { sha256, size, read: this.bytes.capture(sha256) } : { sha256, size };
    });
  }

  totalBytes(): number {
    return this.heldBytes;
  }

  /** Holds nothing: every content is dropped (a durable store keeps them until a snapshot allows). */
  clear(): void {
    for (const sha256 of this.refs.keys()) this.bytes.drop(sha256);
    this.refs.clear();
    this.sorted.reset([]);
    this.heldBytes = 0;
  }
}
