// Time as a dependency: the supervisor's backoff and crash-loop logic read the clock and arm
// timers only through this, so unit tests drive them with a fake clock instead of sleeping.

export type TimerId = { readonly __timer: true };

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerId;
  clearTimeout(timer: TimerId): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs) as unknown as TimerId,
  clearTimeout: (timer) => clearTimeout(timer as unknown as NodeJS.Timeout),
};
