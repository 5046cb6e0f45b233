// The file names in sorted order, for listings with a prefix and a cursor.
//
// A single sorted array would make each insert shift up to every name (100,000 names → seconds
// to build); re-sorting on demand would make a listing after each write cost a full sort. So the
// names live in a list of sorted blocks (the idea of Python's sortedcontainers): an insert
// shifts at most one block, and a listing seeks by binary search and then walks in order.
//
// Order is JavaScript's string order (UTF-16 code units): the same on every replica.

/** A block splits in two beyond this many names. */
const MAX_BLOCK_SIZE = 512;

/** First position in a sorted array whose value is ≥ key. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedNameIndex {
  /** Non-empty blocks, each sorted, every name of block i before every name of block i+1. */
  private blocks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Replaces the contents with `names`, which must be sorted and free of duplicates. */
  reset(names: readonly string[]): void {
    this.blocks = [];
    const half = MAX_BLOCK_SIZE / 2;
    for (let i = 0; i < names.length; i += half) this.blocks.push(names.slice(i, i + half));
    this.count = names.length;
  }

  /** Adds a name; returns false when it was already present. */
  add(name: string): boolean {
    if (this.blocks.length === 0) {
      this.blocks.push([name]);
      this.count = 1;
      return true;
    }
    const b = Math.min(this.blockFor(name), this.blocks.length - 1);
    const block = this.blocks[b] as string[];
    const i = lowerBound(block, name);
    if (block[i] === name) return false;
    block.splice(i, 0, name);
    if (block.length > MAX_BLOCK_SIZE) this.blocks.splice(b + 1, 0, block.splice(block.length >>> 1));
    this.count += 1;
    return true;
  }

  /** Removes a name; returns false when it was absent. */
  remove(name: string): boolean {
    const b = this.blockFor(name);
    const block = this.blocks[b];
    if (block === undefined) return false;
    const i = lowerBound(block, name);
    if (block[i] !== name) return false;
    block.splice(i, 1);
    if (block.length === 0) this.blocks.splice(b, 1);
    this.count -= 1;
    return true;
  }

  /** Every name in order, in one array (a snapshot takes them all at once: no generator per name). */
  all(): string[] {
    return this.blocks.flat();
  }

  /** Names in order, starting at the first name ≥ start (> start when `exclusive`). */
  *from(start: string, exclusive = false): Generator<string, void, undefined> {
    let b = this.blockFor(start);
    const first = this.blocks[b];
    if (first === undefined) return;
    let i = lowerBound(first, start);
    if (exclusive && first[i] === start) i += 1;
    for (; b < this.blocks.length; b += 1, i = 0) {
      const block = this.blocks[b] as string[];
      for (; i < block.length; i += 1) yield block[i] as string;
    }
  }

  /** Index of the first block whose last name is ≥ name (blocks.length when none is). */
  private blockFor(name: string): number {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks[mid] as string[];
      if ((block[block.length - 1] as string) < name) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
