// The pack index keeps each content's place in typed arrays by slot (storage/pack-index.ts): it
// must behave as the Map of objects it replaced, across growth, deletes and reused slots.
import { describe, expect, it } from 'vitest';
import { PackIndex, type Location } from '../../../node-runtime/storage/pack-index';

interface File {
  readonly name: string;
}

const sha = (n: number): string => n.toString(16).padStart(64, '0');

describe('PackIndex', () => {
  it('rekey keeps an entry where it is, in its place in the order, and says whether there was one', () => {
    const index = new PackIndex<File>();
    const file = { name: 'pack-1' };
    index.set(sha(1), { file, offset: 10, length: 3, checked: false });
    index.set(sha(2), { file, offset: 20, length: 4, checked: true });
    expect(index.rekey(sha(1).slice(0))).toBe(true);
    expect(index.rekey(sha(3))).toBe(false);
    expect(index.size).toBe(2);
    expect(index.get(sha(1))).toEqual({ file, offset: 10, length: 3, checked: false });
    expect([...index.entries()].map(([key]) => key)).toEqual([sha(2), sha(1)]);
    index.set(sha(3), { file, offset: 30, length: 5, checked: false });
    expect(index.get(sha(2))).toEqual({ file, offset: 20, length: 4, checked: true });
  });

  it('answers like a Map of locations through growth, deletes and reused slots', () => {
    const index = new PackIndex<File>();
    const model = new Map<string, Location<File>>();
    const files: File[] = [{ name: 'pack-1' }, { name: 'pack-2' }];
    // Deterministic mix of inserts, overwrites and deletes, past the initial 1,024 slots.
    for (let step = 0; step < 6000; step += 1) {
      const key = sha((step * 7919) % 2500);
      if (step % 5 === 4) {
        expect(index.delete(key)).toBe(model.delete(key));
        continue;
      }
      const location = { file: step % 11 === 0 ? null : (files[step % 2] as File), offset: step * 4099 + 2 ** 33, length: step % 65_536, checked: step % 3 === 0 };
      index.set(key, location);
      model.set(key, location);
    }
    expect(index.size).toBe(model.size);
    for (const [key, location] of model) {
      expect(index.get(key)).toEqual(location);
      expect(index.lengthOf(key)).toBe(location.length);
      expect(index.has(key)).toBe(true);
    }
    expect(new Map(index.entries())).toEqual(model);
    expect(index.get(sha(99_999))).toBeUndefined();
    expect(index.lengthOf(sha(99_999))).toBeUndefined();
  });

  it('hands out copies: changing an entry takes set()', () => {
    const index = new PackIndex<File>();
    const file = { name: 'pack-1' };
    index.set(sha(1), { file, offset: 8, length: 100, checked: false });
    const seen = index.get(sha(1));
    index.set(sha(1), { file, offset: 8, length: 100, checked: true });
    expect(seen?.checked).toBe(false);
    expect(index.get(sha(1))?.checked).toBe(true);
  });

  it('refuses an offset or a length it cannot hold exactly', () => {
    const index = new PackIndex<File>();
    expect(() => index.set(sha(1), { file: null, offset: 2 ** 53, length: 1, checked: true })).toThrow(RangeError);
    expect(() => index.set(sha(1), { file: null, offset: 0, length: 2 ** 32, checked: true })).toThrow(RangeError);
    expect(() => index.set(sha(1), { file: null, offset: 1.5, length: 1, checked: true })).toThrow(RangeError);
  });

  it('holds nothing after clear, and fills again', () => {
    const index = new PackIndex<File>();
    for (let i = 0; i < 2000; i += 1) index.set(sha(i), { file: null, offset: i, length: i, checked: true });
    index.clear();
    expect(index.size).toBe(0);
    expect(index.get(sha(5))).toBeUndefined();
    index.set(sha(5), { file: null, offset: 7, length: 3, checked: false });
    expect(index.get(sha(5))).toEqual({ file: null, offset: 7, length: 3, checked: false });
  });
});
