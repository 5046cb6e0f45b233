// Where each small content lies in the packs (content-pack.ts): SHA-256 → file, offset, length,
// and whether its bytes were compared since the scan at open. A node holds one entry per small
// file, so the entries live in typed arrays by slot, not one object each: at 100,000 files the
// objects were 5.3 MiB of heap (56 bytes each), the slots are about 2 MiB (issue #11). A Location
// handed out by get() is a copy made for the caller; change an entry with set().

/** One content's place in the packs; `file` null: named by a snapshot but in no pack (damage). */
export interface Location<F> {
  readonly file: F | null;
  readonly offset: number;
  readonly length: number;
  /** False for a record found by the scan at open, until its bytes were compared with a put's. */
  readonly checked: boolean;
}

const INITIAL_SLOTS = 1024;

export class PackIndex<F> {
  private readonly slots = new Map<string, number>();
  /** By slot: the file (null for a free slot or a missing content), offset, length, checked. */
  private files: (F | null)[] = [];
  private offsets = new Float64Array(INITIAL_SLOTS);
  private lengths = new Uint32Array(INITIAL_SLOTS);
  private checks = new Uint8Array(INITIAL_SLOTS);
  /** Slots given back by delete, reused before new ones. */
  private free: number[] = [];

  get size(): number {
    return this.slots.size;
  }

  has(sha256: string): boolean {
    return this.slots.has(sha256);
  }

  get(sha256: string): Location<F> | undefined {
    const slot = this.slots.get(sha256);
    return slot === undefined ? undefined : this.at(slot);
  }

  /** The length of the content `sha256`, without making a Location. */
  lengthOf(sha256: string): number | undefined {
    const slot = this.slots.get(sha256);
    return slot === undefined ? undefined : (this.lengths[slot] as number);
  }

  set(sha256: string, location: Location<F>): void {
    let slot = this.slots.get(sha256);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.grow();
      this.slots.set(sha256, slot);
    }
    if (!Number.isSafeInteger(location.offset) || location.offset < 0 || !Number.isInteger(location.length) || location.length < 0 || location.length > 0xffffffff) {
      throw new RangeError(`pack index: offset ${location.offset} or length ${location.length} of ${sha256} out of range`);
    }
    this.files[slot] = location.file;
    this.offsets[slot] = location.offset;
    this.lengths[slot] = location.length;
    this.checks[slot] = location.checked ? 1 : 0;
  }

  /**
   * Keys the entry of `sha256` by this string (an equal one the caller holds anyway), where it is,
   * without a Location made and set back; false if there is none.
   */
  rekey(sha256: string): boolean {
    const slot = this.slots.get(sha256);
    if (slot === undefined) return false;
    this.slots.delete(sha256);
    this.slots.set(sha256, slot);
    return true;
  }

  delete(sha256: string): boolean {
    const slot = this.slots.get(sha256);
    if (slot === undefined) return false;
    this.slots.delete(sha256);
    // Dropped, so that a retired pack file is not kept alive (and open) by a free slot.
    this.files[slot] = null;
    this.free.push(slot);
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.files = [];
    this.free = [];
  }

  /** Every entry, in insertion order; the caller may set or delete entries meanwhile. */
  *entries(): Generator<[string, Location<F>]> {
    for (const [sha256, slot] of this.slots) yield [sha256, this.at(slot)];
  }

  private at(slot: number): Location<F> {
    return { file: this.files[slot] as F | null, offset: this.offsets[slot] as number, length: this.lengths[slot] as number, checked: this.checks[slot] === 1 };
  }

  /** A new slot past the last, the arrays doubled when full. */
  private grow(): number {
    const slot = this.files.length;
    if (slot === this.lengths.length) {
      const capacity = slot * 2;
      this.offsets = copyInto(new Float64Array(capacity), this.offsets);
      this.lengths = copyInto(new Uint32Array(capacity), this.lengths);
      this.checks = copyInto(new Uint8Array(capacity), this.checks);
    }
    this.files.push(null);
    return slot;
  }
}

function copyInto<T extends Float64Array | Uint32Array | Uint8Array>(into: T, from: T): T {
  into.set(from);
  return into;
}
