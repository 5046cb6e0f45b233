// The one way tests wait for something outside their control (a process, a socket, a node's
// state): poll with a deadline, never sleep for luck. Time the test owns is faked instead
// (vi.useFakeTimers, the simulator, test/unit/manager/fake-clock.ts).

/**
 * Polls `probe` until it returns a value other than undefined, null or false, and returns that
 * value. After `timeoutMs` it fails naming `what` and the probe's last error (a probe may throw
 * while the thing it looks at is not up yet).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
