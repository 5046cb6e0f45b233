// A linearizability checker in the manner of Porcupine (and Knossos before it): given a history of
// operations, each with the time its client called it and the time the answer came back, is there
// one order of all of them that (1) respects real time: an operation that returned before another
// was called comes first, and (2) is legal for a sequential model of the object?
//
// The search is Wing & Gong's, with Lowe's memoization: linearize, one at a time, any operation
// called before every pending operation returned; back up when the model refuses; remember each
// (set of operations done, model state) already explored, so no state is searched twice. An
// operation whose outcome is unknown (the client saw an error or a cut connection) may have taken
// effect at any time after its call, or never: it has no return time, and the search may leave it
// out. Check each key of a key-value store on its own (keys are independent: P-compositionality).

export interface Operation<I, O> {
  readonly input: I;
  /** The answer; undefined when the outcome is unknown. */
  readonly output: O | undefined;
  /** When the client called it, and when the answer arrived (Infinity: never, outcome unknown). */
  readonly call: number;
  readonly return: number;
}

export interface Model<S, I, O> {
  readonly init: S;
  /** The state after `input` if the model could answer `output` from `state`; null if it could not. */
  step(state: S, input: I, output: O | undefined): { readonly next: S } | null;
  /** A string that is equal for equal states (memoization). */
  key(state: S): string;
}

export type CheckResult = { readonly ok: true; readonly order: readonly number[] } | { readonly ok: false; readonly explored: number };

export function checkLinearizable<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[]): CheckResult {
  for (const op of history) {
    if (!(op.call <= op.return)) throw new RangeError(`an operation returned (${op.return}) before it was called (${op.call})`);
  }
  const opAt = (i: number) => history[i] as Operation<I, O>;
  const byCall = (a: number, b: number) => opAt(a).call - opAt(b).call || a - b;
  // Operations that returned, by call (tried first), and those of unknown outcome, by call (taken
  // only when nothing else fits: a real history rarely needs one early).
  const known = [...history.keys()].filter((i) => opAt(i).return !== Infinity).sort(byCall);
  const unknown = [...history.keys()].filter((i) => opAt(i).return === Infinity).sort(byCall);
  const end = known.length;
  // The known operations not linearized yet, as positions in `known`, in two linked lists: by call
  // (the candidates, a window at the head) and by return (the head's return is the horizon).
  // Taking one out and putting it back in reverse order are O(1) each (Knuth's dancing links).
  const callList = new DancingList(known.keys(), end);
  const returnList = new DancingList(
    [...known.keys()].sort((a, b) => opAt(known[a] as number).return - opAt(known[b] as number).return || a - b),
    end,
  );
  const knownDone = new Uint8Array(end);
  const unknownDone = new Uint8Array(unknown.length);
  const order: number[] = [];
  // What was linearized, in order: a position in `known`, or -1 - u for unknown[u]; and the
  // highest known position done so far at each step (the memo scans no further).
  const taken: number[] = [];
  const highestDone: number[] = [];

  const take = (entry: number): void => {
    if (entry >= 0) {
      callList.remove(entry);
      returnList.remove(entry);
      knownDone[entry] = 1;
      order.push(known[entry] as number);
    } else {
      unknownDone[-1 - entry] = 1;
      order.push(unknown[-1 - entry] as number);
    }
    taken.push(entry);
    highestDone.push(Math.max(highestDone[highestDone.length - 1] ?? -1, entry));
  };
  const putBack = (): void => {
    const entry = taken.pop() as number;
    highestDone.pop();
    order.pop();
    if (entry >= 0) {
      knownDone[entry] = 0;
      returnList.restore(entry);
      callList.restore(entry);
    } else unknownDone[-1 - entry] = 0;
  };

  // The set of operations done, exactly and in little space: every known one before the first not
  // done, those done after it (at most the window of operations called while it was pending), and
  // the unknown ones done.
  const seen = new Set<string>();
  const doneKey = (): string => {
    const first = callList.first();
    const ahead: number[] = [];
    for (let p = first + 1; p <= (highestDone[highestDone.length - 1] ?? -1); p++) if (knownDone[p] === 1) ahead.push(p);
    const unknowns: number[] = [];
    for (let u = 0; u < unknown.length; u++) if (unknownDone[u] === 1) unknowns.push(u);
    return `${first}+${ahead.join(',')}?${unknowns.join(',')}`;
  };

  // A history holds thousands of operations per key, a search level each: the levels live on an
  // explicit stack, not the call stack (which a recursive search overflowed in CI).
  interface Level {
    readonly state: S;
    readonly left: number;
    /** Whatever comes next must have been called before every pending operation returned. */
    readonly horizon: number;
    /** The next candidate: a position in the call list, then (once that is exhausted) in `unknown`. */
    cursor: number;
    unknownCursor: number;
  }
  const enter = (left: number, state: S): Level | null => {
    const memo = `${doneKey()}|${model.key(state)}`;
    if (seen.has(memo)) return null;
    seen.add(memo);
    const head = returnList.first();
    const horizon = head === end ? Infinity : opAt(known[head] as number).return;
    return { state, left, horizon, cursor: callList.first(), unknownCursor: 0 };
  };
  /** The next candidate at `level` that the model accepts, taken; false when none is left. */
  const advance = (level: Level): { readonly left: number; readonly next: S } | null => {
    while (level.cursor !== end) {
      const p = level.cursor;
      const op = opAt(known[p] as number);
      if (op.call > level.horizon) {
        level.cursor = end;
        break;
      }
      level.cursor = callList.next(p);
      const legal = model.step(level.state, op.input, op.output);
      if (legal === null) continue;
      take(p);
      return { left: level.left - 1, next: legal.next };
    }
    while (level.unknownCursor < unknown.length) {
      const u = level.unknownCursor++;
      const op = opAt(unknown[u] as number);
      if (op.call > level.horizon) {
        level.unknownCursor = unknown.length;
        break;
      }
      if (unknownDone[u] === 1) continue;
      const legal = model.step(level.state, op.input, op.output);
      if (legal === null) continue;
      take(-1 - u);
      return { left: level.left, next: legal.next };
    }
    return null;
  };

  const search = (): boolean => {
    if (end === 0) return true;
    const levels: Level[] = [enter(end, model.init) as Level];
    while (levels.length > 0) {
      const level = levels[levels.length - 1] as Level;
      const step = advance(level);
      if (step === null) {
        // Every candidate failed here: back up, and take back the operation that led here.
        levels.pop();
        if (levels.length > 0) putBack();
        continue;
      }
      if (step.left === 0) return true;
      const child = enter(step.left, step.next);
      if (child) levels.push(child);
      else putBack();
    }
    return false;
  };

  return search() ? { ok: true, order } : { ok: false, explored: seen.size };
}

/** Elements 0..size-1 in a doubly linked list with a sentinel (`size`). */
class DancingList {
  private readonly after: Int32Array;
  private readonly before: Int32Array;

  constructor(
    elements: Iterable<number>,
    private readonly size: number,
  ) {
    this.after = new Int32Array(size + 1);
    this.before = new Int32Array(size + 1);
    let last = size;
    for (const e of elements) {
      this.after[last] = e;
      this.before[e] = last;
      last = e;
    }
    this.after[last] = size;
    this.before[size] = last;
  }

  first(): number {
    return this.after[this.size] as number;
  }

  next(e: number): number {
    return this.after[e] as number;
  }

  /** Unlinks `e`; its own links are kept, for restore. */
  remove(e: number): void {
    const [b, a] = [this.before[e] as number, this.after[e] as number];
    this.after[b] = a;
    this.before[a] = b;
  }

  /** Links `e` back where it was: valid only in the reverse order of the removals. */
  restore(e: number): void {
    this.after[this.before[e] as number] = e;
    this.before[this.after[e] as number] = e;
  }
}

/** One register (a file's content): write puts a value, read returns the value or null for none yet. */
export type RegisterInput = { readonly kind: 'write'; readonly value: string } | { readonly kind: 'read' };

export const registerModel: Model<string | null, RegisterInput, string | null> = {
  init: null,
  step(state, input, output) {
    if (input.kind === 'write') return { next: input.value };
    return output === state ? { next: state } : null;
  },
  // Nothing written yet gets a key no written value can have.
  key: (state) => (state === null ? '\u0000none' : `=${state}`),
};

/**
 * Checks a register's history. A write of unknown outcome whose value no read returned is left
 * out first: leaving it out of an order never makes the order illegal (no read depends on it),
 * while the search could otherwise try it at every step, which multiplies its work by two for
 * each such write still open.
 */
export function checkRegister(history: readonly Operation<RegisterInput, string | null>[]): CheckResult {
  const seen = new Set(history.flatMap((op) => (op.input.kind === 'read' && op.output !== undefined && op.output !== null ? [op.output] : [])));
  const kept = history.filter((op) => op.input.kind === 'read' || op.return !== Infinity || seen.has(op.input.value));
  return checkLinearizable(registerModel, kept);
}
