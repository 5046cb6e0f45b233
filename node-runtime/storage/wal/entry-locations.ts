// Where each entry of the log sits in the WAL's segment files (issue #11). The in-memory log drops
// the data of entries applied a while ago — small files ride inside their entries, so 32 MiB of
// log would otherwise stay in every node's memory — and reads it back from here when a lagging
// follower needs those entries (Wal.readEntry).

export interface EntryLocation {
  readonly file: string;
  /** Where the entry's frame starts in the file, and its length (header included). */
  readonly offset: number;
  readonly bytes: number;
}

/** The location of every entry from `first` on, in index order (the log is contiguous). */
export class EntryLocations {
  private first = 0;
  private files: string[] = [];
  private offsets: number[] = [];
  private lengths: number[] = [];

  /**
   * Entry `index` was written at `offset` of `file`. Entries at or after `index` recorded before
   * are replaced (the log was truncated there); an index not next to the ones held (the log was
   * replaced by a snapshot) starts afresh.
   */
  record(index: number, file: string, offset: number, bytes: number): void {
    const at = index - this.first;
    if (at < 0 || at > this.offsets.length) {
      this.first = index;
      this.files = [];
      this.offsets = [];
      this.lengths = [];
    } else if (at < this.offsets.length) {
      this.files.length = at;
      this.offsets.length = at;
      this.lengths.length = at;
    }
    this.files.push(file);
    this.offsets.push(offset);
    this.lengths.push(bytes);
  }

  get(index: number): EntryLocation | undefined {
    const at = index - this.first;
    if (at < 0 || at >= this.offsets.length) return undefined;
    return { file: this.files[at] as string, offset: this.offsets[at] as number, bytes: this.lengths[at] as number };
  }

  /** Forgets the entries up to `index` (their segments were deleted). */
  dropThrough(index: number): void {
    const n = Math.min(this.offsets.length, index + 1 - this.first);
    if (n <= 0) return;
    this.files = this.files.slice(n);
    this.offsets = this.offsets.slice(n);
    this.lengths = this.lengths.slice(n);
    this.first += n;
  }
}
