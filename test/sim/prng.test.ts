import { describe, expect, it } from 'vitest';
import { Prng } from './prng';

const draw = (p: Prng, n: number): number[] => Array.from({ length: n }, () => p.nextU32());

describe('Prng', () => {
  it('replays the same stream for the same seed, and a different one for another seed', () => {
    expect(draw(new Prng(7), 50)).toEqual(draw(new Prng(7), 50));
    expect(draw(new Prng(7), 50)).not.toEqual(draw(new Prng(8), 50));
  });

  it('uses both halves of a large seed', () => {
    expect(draw(new Prng(2 ** 32 + 5), 10)).not.toEqual(draw(new Prng(5), 10));
  });

  it('draws integers in range, close to uniformly', () => {
    const p = new Prng(1);
    const counts = new Map<number, number>();
    for (let i = 0; i < 100_000; i++) {
      const n = p.int(10);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('forks streams that do not repeat the parent', () => {
    const parent = new Prng(9);
    const child = parent.fork();
    expect(draw(child, 20)).not.toEqual(draw(parent, 20));
  });

  it('rejects a range it cannot draw from', () => {
    expect(() => new Prng(1).int(0)).toThrow(RangeError);
    expect(() => new Prng(1).pick([])).toThrow(RangeError);
  });
});
