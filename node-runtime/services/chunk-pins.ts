// Chunks a running backup still has to read: garbage collection keeps them even when no file
// references them any more (a write storm overwrites files while the backup streams them).

export class ChunkPins {
  private readonly counts = new Map<string, number>();

  /** Pins every hash until the returned function is called (once). */
  pin(hashes: Iterable<string>): () => void {
    const held = [...new Set(hashes)];
    for (const hash of held) this.counts.set(hash, (this.counts.get(hash) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const hash of held) {
        const left = (this.counts.get(hash) ?? 1) - 1;
        if (left <= 0) this.counts.delete(hash);
        else this.counts.set(hash, left);
      }
    };
  }

  has(hash: string): boolean {
    return this.counts.has(hash);
  }
}
