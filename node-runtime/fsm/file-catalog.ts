// The namespace: file records by name, plus the indexes kept in step with them (sorted names for
// listings, byte and file totals for the quota, chunk reference counts for garbage collection)
// and small files' inline contents. It enforces no policy; the state machine decides what may be
// written.

import { InlineContents, isInline, type ContentBytes, type InlineContent } from './inline-contents';
import type { FileRecord } from './outcomes';
import { SortedNameIndex } from './sorted-names';

export interface ListOptions {
  /** Only names starting with this (e.g. "docs/" for a virtual folder). */
  readonly prefix?: string;
  /** Cursor: start after this name (the previous page's nextCursor). */
  readonly after?: string;
  /** Page size in entries (files plus folders); at least 1. */
  readonly limit?: number;
  /**
   * List one folder level, as S3 does with a delimiter: names with a further "/" after the prefix
   * are rolled up into one folder entry ("docs/sub/") instead of being listed one by one.
   */
  readonly delimiter?: '/';
  /**
   * Only files whose last name part (after the last "/") contains this, in any case: a search
   * across every depth below the prefix (not with a delimiter). A page then ends after
   * SEARCH_SCAN_BUDGET names were looked at, even with few or no hits; its cursor goes on from there.
   */
  readonly contains?: string;
}

/** Names one search page looks at, at most: a rare word in 10 million names costs many pages, not one slow one. */
export const SEARCH_SCAN_BUDGET = 50_000;

export interface ListPage {
  readonly items: readonly FileRecord[];
  /** Sub-folders of the prefix (each ending in "/"), only when listing with a delimiter. */
  readonly folders: readonly string[];
  /** The last entry (file name or folder) of this page when more match; null on the last page. */
  readonly nextCursor: string | null;
}

/**
 * The smallest string after every name inside `folder` (which ends in "/"): the same text with
 * its "/" replaced by "0", the next code unit. Seeking there skips the folder's whole subtree.
 */
function pastFolder(folder: string): string {
  return `${folder.slice(0, -1)}0`;
}

export const DEFAULT_LIST_LIMIT = 1000;

export class FileCatalog {
  private readonly files = new Map<string, FileRecord>();
  private readonly names = new SortedNameIndex();
  private readonly chunkRefs = new Map<string, number>();
  private readonly inline: InlineContents;
  private bytes = 0;

  /** `contentBytes`: where small files' bytes are kept (in memory unless given). */
  constructor(contentBytes?: ContentBytes) {
    this.inline = new InlineContents(contentBytes);
  }

  get(name: string): FileRecord | undefined {
    return this.files.get(name);
  }

  /** Total logical bytes and number of files. */
  totals(): { files: number; bytes: number } {
    return { files: this.files.size, bytes: this.bytes };
  }

  /**
   * Inserts or replaces the record for `record.name`. An inline record (see isInline) needs its
   * `content` unless a record with the same SHA-256 already holds it.
   */
  set(record: FileRecord, content?: Uint8Array): void {
    const previous = this.files.get(record.name);
    if (previous === undefined) this.names.add(record.name);
    // Retained before the previous record is released: a rewrite with the same bytes keeps them.
    this.retain(record, content);
    if (previous !== undefined) this.release(previous);
    this.files.set(record.name, record);
  }

  /** The bytes of an inline file with this SHA-256, while some record holds them. */
  inlineContent(sha256: string): Uint8Array | undefined {
    return this.inline.get(sha256);
  }

  /** Bytes of all inline contents held (each distinct content once). */
  inlineBytes(): number {
    return this.inline.totalBytes();
  }

  /** Every inline content held, in SHA-256 order, captured for a snapshot at `index` (InlineContents.capture). */
  inlineContents(index: number, withBytes: boolean): InlineContent[] {
    return this.inline.capture(index, withBytes);
  }

  /** Whether snapshots name inline contents instead of carrying their bytes. */
  namesContents(): boolean {
    return this.inline.durable;
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
    const { after, delimiter, contains } = options;
    if (contains !== undefined) return this.search(prefix, contains, after, limit);
    // Start at whichever is later: the prefix or the cursor. File names never end in "/", so a
    // cursor that does is a folder from the previous page, and the page resumes past its subtree.
    let start = prefix;
    let exclusive = false;
    if (after !== undefined && after >= prefix) {
      const afterFolder = delimiter !== undefined && after.endsWith('/');
      start = afterFolder ? pastFolder(after) : after;
      exclusive = !afterFolder;
    }
    const items: FileRecord[] = [];
    const folders: string[] = [];
    let last: string | null = null;
    for (;;) {
      let skippedFolder = false;
      for (const name of this.names.from(start, exclusive)) {
        if (!name.startsWith(prefix)) break;
        if (items.length + folders.length === limit) return { items, folders, nextCursor: last };
        const slash = delimiter === undefined ? -1 : name.indexOf(delimiter, prefix.length);
        if (slash >= 0) {
          last = name.slice(0, slash + 1);
          folders.push(last);
          start = pastFolder(last);
          exclusive = false;
          skippedFolder = true;
          break;
        }
        items.push(this.files.get(name) as FileRecord);
        last = name;
      }
      if (!skippedFolder) return { items, folders, nextCursor: null };
    }
  }

  private search(prefix: string, contains: string, after: string | undefined, limit: number): ListPage {
    const needle = contains.toLowerCase();
    const items: FileRecord[] = [];
    let scanned = 0;
    // The cursor is the last name looked at, hit or not: the next page need not look at it again.
    let last: string | null = null;
    const resume = after !== undefined && after >= prefix;
    for (const name of this.names.from(resume ? after : prefix, resume)) {
      if (!name.startsWith(prefix)) break;
      if (items.length === limit || scanned === SEARCH_SCAN_BUDGET) return { items, folders: [], nextCursor: last };
      scanned += 1;
      last = name;
      if (name.slice(name.lastIndexOf('/') + 1).toLowerCase().includes(needle)) items.push(this.files.get(name) as FileRecord);
    }
    return { items, folders: [], nextCursor: null };
  }

  /** Every file in name order, in one array: a snapshot captures them at a Ready boundary, where every ms is a stall. */
  all(): FileRecord[] {
    return this.names.all().map((name) => this.files.get(name) as FileRecord);
  }

  isChunkReferenced(hash: string): boolean {
    return this.chunkRefs.has(hash);
  }

  /**
   * Every chunk some file uses, with its size, in the order the files were stored. Read from the
   * records as they are held, not through list(): a restart asks for it before /readyz, and
   * paging the sorted names made a page of views per 5,000 files (about 90 ms at 100,000 files,
   * issue #11). With no chunk referenced (only small files) no record needs looking at.
   */
  chunkSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    if (this.chunkRefs.size === 0) return sizes;
    for (const record of this.files.values()) for (const c of record.chunks) sizes.set(c.hash, c.size);
    return sizes;
  }

  /** Hashes of all chunks some file uses, sorted: what garbage collection must keep. */
  referencedChunkHashes(): string[] {
    return [...this.chunkRefs.keys()].sort();
  }

  /**
   * Replaces the contents; `records` must be sorted by name with unique names, and `contents` must
   * hold every inline record's content: its bytes, or (a snapshot that names contents, each with
   * its record's size, as decodeSnapshot checks) its name only, the bytes being in a durable store
   * already. Contents no record uses are dropped.
   */
  load(records: readonly FileRecord[], contents: readonly InlineContent[] = []): void {
    this.files.clear();
    this.chunkRefs.clear();
    this.inline.clear();
    this.bytes = 0;
    // A snapshot either carries every content's bytes (format 4), looked up here by SHA-256, or
    // names every content (format 5: the bytes in a durable store), and decodeSnapshot checked
    // that each inline record's content is named with the record's size: those are adopted under
    // the record's own SHA-256 and size, without a table of 100,000 contents built at a restart
    // only to find each one again.
    const naming = contents.length > 0 && contents.every((c) => c.read === undefined);
    const withBytes = naming ? undefined : new Map(contents.map((c) => [c.sha256, c]));
    for (const record of records) {
      this.files.set(record.name, record);
      // Read only where the bytes are taken in: once per content, however many records share it.
      const taken = isInline(record) && !this.inline.holds(record.sha256);
      if (taken && naming) {
        this.inline.adopt(record.sha256, record.size, false);
        this.count(record);
      } else {
        this.retain(record, taken ? withBytes?.get(record.sha256)?.read?.() : undefined);
      }
    }
    // Adopted out of order above; the snapshot's contents are sorted by SHA-256.
    if (naming) this.inline.orderHeld(contents);
    this.names.reset(records.map((r) => r.name));
  }

  private retain(record: FileRecord, content: Uint8Array | undefined): void {
    if (isInline(record)) this.inline.retain(record.sha256, content);
    this.count(record);
  }

  /** Totals and chunk references of a record now held. */
  private count(record: FileRecord): void {
    this.bytes += record.size;
    for (const chunk of record.chunks) this.chunkRefs.set(chunk.hash, (this.chunkRefs.get(chunk.hash) ?? 0) + 1);
  }

  private release(record: FileRecord): void {
    if (isInline(record)) this.inline.release(record.sha256, record.size);
    this.bytes -= record.size;
    for (const chunk of record.chunks) {
      const refs = (this.chunkRefs.get(chunk.hash) ?? 0) - 1;
      if (refs > 0) this.chunkRefs.set(chunk.hash, refs);
      else this.chunkRefs.delete(chunk.hash);
    }
  }
}
