// A small, fast, seedable PRNG (sfc32, seeded through splitmix32). Every random choice in a
// simulation run flows from one of these, so a seed replays a run bit for bit. Math.random is
// never used: it cannot be replayed.

const TWO_POW_32 = 4294967296;

/** splitmix32: spreads a seed's bits so that neighbouring seeds give unrelated streams. */
function splitmix32(state: number): { value: number; state: number } {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return { value: (z ^ (z >>> 16)) >>> 0, state: next };
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` may be any safe integer; its high and low 32-bit halves both feed the state. */
  constructor(seed: number) {
    let state = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) | 0, 0x27d4eb2f);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const out = splitmix32(state);
      state = out.state;
      words.push(out.value);
    }
    [this.a, this.b, this.c, this.d] = words as [number, number, number, number];
    // sfc32's authors recommend discarding the first outputs so the state mixes fully.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). n must be a positive integer below 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Prng.int: n must be a positive integer, got ${n}`);
    return Math.floor((this.nextU32() / TWO_POW_32) * n);
  }

  /** An integer in [lo, hi], both inclusive. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p (0 ≤ p ≤ 1). */
  chance(p: number): boolean {
    return this.nextU32() < p * TWO_POW_32;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('Prng.pick: empty list');
    return item;
  }

  /** A new generator whose stream is independent of this one's later outputs. */
  fork(): Prng {
    // 21 + 32 bits: a safe integer, so the child's seed survives the constructor intact.
    return new Prng((this.nextU32() & 0x1fffff) * TWO_POW_32 + this.nextU32());
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}
