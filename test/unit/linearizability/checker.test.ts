// The linearizability checker on histories whose verdict is known: it must accept every
// linearizable one (including the ones only a non-obvious order explains) and refuse every one
// that is not (a stale read, a lost write, values seen going back in time).
import { describe, expect, it } from 'vitest';
import { checkLinearizable, checkRegister, registerModel, type Operation, type RegisterInput } from '../../linearizability/checker';

type Op = Operation<RegisterInput, string | null>;
const write = (value: string, call: number, ret: number): Op => ({ input: { kind: 'write', value }, output: null, call, return: ret });
const read = (value: string | null, call: number, ret: number): Op => ({ input: { kind: 'read' }, output: value, call, return: ret });
/** A write whose client saw an error: it may have taken effect, or not. */
const unknownWrite = (value: string, call: number): Op => ({ input: { kind: 'write', value }, output: undefined, call, return: Infinity });
const check = (history: Op[]) => checkLinearizable(registerModel, history);

describe('known-good histories are accepted', () => {
  it('a write, then a read of it; a read before any write sees nothing', () => {
    expect(check([read(null, 0, 1), write('a', 2, 3), read('a', 4, 5)]).ok).toBe(true);
  });

  it('a read overlapping a write may see the old value or the new one', () => {
    expect(check([write('a', 0, 1), write('b', 2, 10), read('a', 3, 4)]).ok).toBe(true);
    expect(check([write('a', 0, 1), write('b', 2, 10), read('b', 3, 4)]).ok).toBe(true);
  });

  it('two concurrent writes take effect in either order, and the reads after them agree on it', () => {
    const result = check([write('a', 0, 10), write('b', 0, 10), read('a', 11, 12), read('a', 13, 14)]);
    expect(result).toMatchObject({ ok: true });
    // The order found puts b before a, whatever order the history lists them in.
    if (result.ok) expect(result.order.indexOf(1)).toBeLessThan(result.order.indexOf(0));
  });

  it('a write of unknown outcome may have happened (late) or never', () => {
    expect(check([write('a', 0, 1), unknownWrite('x', 2), read('a', 3, 4), read('x', 50, 51)]).ok).toBe(true);
    expect(check([write('a', 0, 1), unknownWrite('x', 2), read('a', 3, 4), read('a', 50, 51)]).ok).toBe(true);
  });
});

describe('known-bad histories are refused', () => {
  it('a stale read: nothing seen after a write was acknowledged', () => {
    expect(check([write('a', 0, 1), read(null, 2, 3)]).ok).toBe(false);
  });

  it('a lost write: the older value seen after the newer was acknowledged', () => {
    expect(check([write('a', 0, 1), write('b', 2, 3), read('a', 4, 5)]).ok).toBe(false);
  });

  it('values going back in time: a, then b, then a again, with each written once', () => {
    expect(check([write('a', 0, 10), write('b', 0, 10), read('a', 11, 12), read('b', 13, 14), read('a', 15, 16)]).ok).toBe(false);
  });

  it('a value nobody wrote, or an unknown write seen before it was called', () => {
    expect(check([write('a', 0, 1), read('z', 2, 3)]).ok).toBe(false);
    expect(check([read('x', 0, 1), unknownWrite('x', 2)]).ok).toBe(false);
  });

  it('two readers disagreeing on the order of two concurrent writes', () => {
    // Both writes finished before both reads began; r1 sees b last, r2 (after r1) sees a last.
    expect(check([write('a', 0, 10), write('b', 0, 10), read('b', 11, 12), read('a', 13, 14)]).ok).toBe(false);
  });
});

describe('size', () => {
  it('checks a long history of overlapping operations (memoization keeps it within the test timeout)', () => {
    const history: Op[] = [];
    for (let i = 0; i < 60; i++) {
      history.push(write(`v${i}`, i * 10, i * 10 + 15));
      history.push(read(`v${i}`, i * 10 + 16, i * 10 + 18));
    }
    expect(check(history).ok).toBe(true);
    history.push(read('v3', 10_000, 10_001));
    expect(check(history).ok).toBe(false);
  });

  it('checks a history deeper than the call stack (one level per operation; a recursive search overflowed in CI)', () => {
    const history: Op[] = [];
    for (let i = 0; i < 15_000; i++) {
      history.push(write(`v${i}`, i * 10, i * 10 + 5));
      history.push(read(`v${i}`, i * 10 + 6, i * 10 + 8));
    }
    const result = check(history);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.order).toEqual([...history.keys()]);
    // Refused when the last read sees a value from the start: backing up through every level.
    history.push(read('v0', 1_000_000, 1_000_001));
    expect(check(history).ok).toBe(false);
  });
});

describe('checkRegister', () => {
  it('leaves out unknown writes nobody read, and still refuses what is not linearizable', () => {
    const history: Op[] = [];
    for (let i = 0; i < 400; i++) {
      if (i % 20 === 7) {
        history.push(unknownWrite(`u${i}`, i * 3));
        continue;
      }
      history.push(write(`v${i}`, i * 3, i * 3 + 5));
      history.push(read(`v${i}`, i * 3 + 6, i * 3 + 8));
    }
    expect(checkRegister(history).ok).toBe(true);
    // An unknown write that was read must be placed before that read: here, after its own call.
    expect(checkRegister([...history, read('u27', 10_000, 10_001)]).ok).toBe(true);
    expect(checkRegister([...history, read('v3', 10_000, 10_001)]).ok).toBe(false);
  });
});

describe('against a brute-force search', () => {
  /** Every order of every subset that keeps all known operations: linearizable if one is legal. */
  function bruteForce(history: readonly Op[]): boolean {
    const ok = (done: readonly number[], state: string | null): boolean => {
      if (history.every((op, i) => op.return === Infinity || done.includes(i))) return true;
      return history.some((op, i) => {
        if (done.includes(i)) return false;
        // Real time: nothing still undone may have returned before this one was called.
        if (history.some((other, j) => j !== i && !done.includes(j) && other.return < op.call)) return false;
        const step = registerModel.step(state, op.input, op.output);
        return step !== null && ok([...done, i], step.next);
      });
    };
    return ok([], registerModel.init);
  }

  it('agrees on 3,000 random histories of up to 7 operations, some of unknown outcome', () => {
    // A fixed-seed generator (mulberry32): the same histories on every run.
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const verdicts = { linearizable: 0, not: 0 };
    for (let n = 0; n < 3000; n++) {
      const history: Op[] = Array.from({ length: 1 + Math.floor(random() * 7) }, (_, i) => {
        const call = Math.floor(random() * 20);
        const ret = call + 1 + Math.floor(random() * 8);
        if (random() < 0.5) return random() < 0.2 ? unknownWrite(`w${i}`, call) : write(`w${i}`, call, ret);
        return read(pick([null, 'w0', 'w1', 'w2', 'w3']), call, ret);
      });
      const expected = bruteForce(history);
      expect(check(history).ok, JSON.stringify(history)).toBe(expected);
      verdicts[expected ? 'linearizable' : 'not'] += 1;
    }
    // Both verdicts are well represented, or the comparison says little.
    expect(Math.min(verdicts.linearizable, verdicts.not)).toBeGreaterThan(500);
  });
});
