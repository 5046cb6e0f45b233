// Shape check for a ConfState read back from disk (the WAL's snapshot markers, snapshot files).
import type { ConfState } from '../raft/types';

function isIdList(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((n) => Number.isSafeInteger(n) && (n as number) > 0);
}

/** The ConfState in `value`, copied to exactly its fields, or undefined when malformed. */
export function asConfState(value: unknown): ConfState | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<keyof ConfState, unknown>;
  if (!isIdList(v.voters) || !isIdList(v.learners) || !isIdList(v.votersOutgoing) || !isIdList(v.learnersNext) || typeof v.autoLeave !== 'boolean') {
    return undefined;
  }
  return { voters: v.voters, learners: v.learners, votersOutgoing: v.votersOutgoing, learnersNext: v.learnersNext, autoLeave: v.autoLeave };
}
