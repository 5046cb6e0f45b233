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
  const pending = history.reduce((count, op) => (op.return === Infinity ? count : count + 1), 0);
  const seen = new Set<string>();
  const order: number[] = [];
  // Tried first: operations that returned, earliest call first; an operation of unknown outcome
  // is taken only when nothing else fits (a real history rarely needs one early).
  const candidates = [...history.keys()].sort((a, b) => {
    const [x, y] = [history[a] as Operation<I, O>, history[b] as Operation<I, O>];
    return Number(x.return === Infinity) - Number(y.return === Infinity) || x.call - y.call;
  });
  // The operations linearized so far: flags to test, and the same set as one number for the memo.
  const done = new Uint8Array(history.length);
  let doneSet = 0n;

  const search = (left: number, state: S): boolean => {
    if (left === 0) return true;
    const memo = `${doneSet.toString(36)}|${model.key(state)}`;
    if (seen.has(memo)) return false;
    seen.add(memo);
    // Whatever comes next must have been called before every pending operation returned.
    let horizon = Infinity;
    for (let i = 0; i < history.length; i++) if (done[i] === 0) horizon = Math.min(horizon, (history[i] as Operation<I, O>).return);
    for (const i of candidates) {
      const op = history[i] as Operation<I, O>;
      if (done[i] === 1 || op.call > horizon) continue;
      const legal = model.step(state, op.input, op.output);
      if (legal === null) continue;
      done[i] = 1;
      doneSet |= bit(i);
      order.push(i);
      if (search(op.return === Infinity ? left : left - 1, legal.next)) return true;
      order.pop();
      doneSet &= ~bit(i);
      done[i] = 0;
    }
    return false;
  };

  return search(pending, model.init) ? { ok: true, order } : { ok: false, explored: seen.size };
}

function bit(i: number): bigint {
  return 1n << BigInt(i);
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
