import { describe, expect, it } from 'vitest';
import { SortedNameIndex } from '../../../node-runtime/fsm/sorted-names';

function sortedRef(set: Set<string>): string[] {
  return [...set].sort();
}

describe('SortedNameIndex', () => {
  it('adds, removes and iterates in order', () => {
    const index = new SortedNameIndex();
    expect([...index.from('')]).toEqual([]);
    expect(index.add('b')).toBe(true);
    expect(index.add('a')).toBe(true);
    expect(index.add('c')).toBe(true);
    expect(index.add('b')).toBe(false);
    expect(index.size).toBe(3);
    expect([...index.from('')]).toEqual(['a', 'b', 'c']);
    expect([...index.from('b')]).toEqual(['b', 'c']);
    expect([...index.from('b', true)]).toEqual(['c']);
    expect([...index.from('bb')]).toEqual(['c']);
    expect([...index.from('d')]).toEqual([]);
    expect(index.remove('b')).toBe(true);
    expect(index.remove('b')).toBe(false);
    expect(index.remove('zzz')).toBe(false);
    expect([...index.from('')]).toEqual(['a', 'c']);
  });

  it('matches a plain sorted array through a long random sequence (blocks split and vanish)', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const index = new SortedNameIndex();
    const reference = new Set<string>();
    for (let step = 0; step < 20_000; step += 1) {
      const name = `n${random(3000)}`;
      if (random(3) === 0) expect(index.remove(name)).toBe(reference.delete(name));
      else {
        const fresh = !reference.has(name);
        reference.add(name);
        expect(index.add(name)).toBe(fresh);
      }
      if (step % 2500 === 0) {
        const start = `n${random(3000)}`;
        expect([...index.from(start)]).toEqual(sortedRef(reference).filter((n) => n >= start));
      }
    }
    expect(index.size).toBe(reference.size);
    expect([...index.from('')]).toEqual(sortedRef(reference));
    // Empty it completely, then reuse it.
    for (const name of reference) index.remove(name);
    expect(index.size).toBe(0);
    expect([...index.from('')]).toEqual([]);
    index.add('again');
    expect([...index.from('')]).toEqual(['again']);
  });

  it('reset loads a sorted list that later edits keep sorted', () => {
    const index = new SortedNameIndex();
    const names = Array.from({ length: 2000 }, (_, i) => `f${String(i).padStart(5, '0')}`);
    index.reset(names);
    expect(index.size).toBe(2000);
    index.add('f00000a');
    index.remove('f01999');
    expect([...index.from('f01998')]).toEqual(['f01998']);
    expect([...index.from('')].slice(0, 3)).toEqual(['f00000', 'f00000a', 'f00001']);
  });
});
