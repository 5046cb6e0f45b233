// The namespace: file records by name, plus the indexes kept in step with them (sorted names for
// listings, byte and file totals for the quota, chunk reference counts for garbage collection).
// It enforces no policy; the state machine decides what may be written.

import type { FileRecord } from './outcomes';
import { SortedNameIndex } from './sorted-names';

export interface ListOptions {
  /** Only names starting with this (e.g. "docs/" for a virtual folder). */
  readonly prefix?: string;
  /** Cursor: start after this name (the previous page's nextCursor). */
  readonly after?: string;
  /** Page size; at least 1. */
  readonly limit?: number;
}

export interface ListPage {
  readonly items: readonly FileRecord[];
  /** The last name of this page when more names match; null on the last page. */
  readonly nextCursor: string | null;
}

export const DEFAULT_LIST_LIMIT = 1000;

export class FileCatalog {
  private readonly files = new Map<string, FileRecord>();
  private readonly names = new SortedNameIndex();
  private readonly chunkRefs = new Map<string, number>();
  private bytes = 0;

  get(name: string): FileRecord | undefined {
    return this.files.get(name);
  }

  /** Total logical bytes and number of files. */
  totals(): { files: number; bytes: number } {
    return { files: this.files.size, bytes: this.bytes };
  }

  /** Inserts or replaces the record for `record.name`. */
  set(record: FileRecord): void {
    const previous = this.files.get(record.name);
    if (previous === undefined) this.names.add(record.name);
    else this.release(previous);
    this.files.set(record.name, record);
    this.retain(record);
  }

  delete(name: string): FileRecord | undefined {
    const previous = this.files.get(name);
    if (previous === undefined) return undefined;
    this.files.delete(name);
    this.names.remove(name);
    this.release(previous);
    return previous;
  }

  list(options: ListOptions = {}): ListPage {
    const prefix = options.prefix ?? '';
    const limit = Math.max(1, Math.floor(options.limit ?? DEFAULT_LIST_LIMIT));
    const after = options.after;
    // Start at whichever is later: the prefix or the cursor.
    const useCursor = after !== undefined && after >= prefix;
    const items: FileRecord[] = [];
    for (const name of this.names.from(useCursor ? after : prefix, useCursor)) {
      if (!name.startsWith(prefix)) break;
      if (items.length === limit) return { items, nextCursor: (items[items.length - 1] as FileRecord).name };
      items.push(this.files.get(name) as FileRecord);
    }
    return { items, nextCursor: null };
  }

  /** Every file in name order. */
  *all(): Generator<FileRecord, void, undefined> {
    for (const name of this.names.from('')) yield this.files.get(name) as FileRecord;
  }

  isChunkReferenced(hash: string): boolean {
    return this.chunkRefs.has(hash);
  }

  /** Hashes of all chunks some file uses, sorted: what garbage collection must keep. */
  referencedChunkHashes(): string[] {
    return [...this.chunkRefs.keys()].sort();
  }

  /** Replaces the contents; `records` must be sorted by name with unique names. */
  load(records: readonly FileRecord[]): void {
    this.files.clear();
    this.chunkRefs.clear();
    this.bytes = 0;
    for (const record of records) {
      this.files.set(record.name, record);
      this.retain(record);
    }
    this.names.reset(records.map((r) => r.name));
  }

  private retain(record: FileRecord): void {
    this.bytes += record.size;
    for (const chunk of record.chunks) this.chunkRefs.set(chunk.hash, (this.chunkRefs.get(chunk.hash) ?? 0) + 1);
  }

  private release(record: FileRecord): void {
    this.bytes -= record.size;
    for (const chunk of record.chunks) {
      const refs = (this.chunkRefs.get(chunk.hash) ?? 0) - 1;
      if (refs > 0) this.chunkRefs.set(chunk.hash, refs);
      else this.chunkRefs.delete(chunk.hash);
    }
  }
}
