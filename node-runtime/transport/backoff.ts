// Capped exponential backoff with "equal jitter": the delay for attempt n is drawn from
// [d/2, d) with d = min(max, initial · 2^n). Half the delay is guaranteed, so a flapping peer is
// not hammered; the other half is random, so nodes that lost the same peer do not retry in step.

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 50, maxMs: 2_000 };

/** `random` returns a number in [0, 1) (Math.random, or a seeded generator in tests). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
