// What a simulation run can find wrong. A violation stops the run at once, with enough context
// (which node, which index, which term, when) to start reading the trace.

export type ViolationKind =
  | 'electionSafety'
  | 'leaderAppendOnly'
  | 'logMatching'
  | 'leaderCompleteness'
  | 'stateMachineSafety'
  | 'durability'
  | 'linearizableRead'
  | 'readyContract'
  | 'liveness'
  | 'coreThrew';

export class Violation extends Error {
  constructor(
    readonly kind: ViolationKind,
    readonly detail: string,
    readonly time: number,
  ) {
    super(`${kind} at t=${time}: ${detail}`);
    this.name = 'Violation';
  }
}
