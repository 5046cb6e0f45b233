// When is a request body stalled? Not only when no byte arrives for the node's bodyIdleTimeoutMs:
// a client that trickles one byte every ten seconds is never idle that long, and used to hold its
// upload (a slot of maxConcurrentUploads, a temp file, a disk reservation) until the whole-request
// timeout minutes later (issue #15). A body must deliver BODY_PROGRESS_BYTES within every
// bodyIdleTimeoutMs (or end): 34 bytes a second at the default 30 s, which any live link beats.
// Shared by the node API and the S3 endpoint; plain timers, no Node imports.

/** How much of a body counts as progress: a trickle below this per idle window is a stall. */
export const BODY_PROGRESS_BYTES = 1024;

/**
 * Calls `onStall` once when fewer than BODY_PROGRESS_BYTES arrived (by `bytesRead`, a counter
 * that only grows) within the last `idleMs`, checking a few times a window. Returns a stop
 * function: call it when the body ends or the answer is done.
 */
export function watchBodyProgress(bytesRead: () => number, idleMs: number, onStall: () => void): () => void {
  let mark = bytesRead();
  let progressAt = Date.now();
  const timer = setInterval(
    () => {
      const read = bytesRead();
      if (read - mark >= BODY_PROGRESS_BYTES) {
        mark = read;
        progressAt = Date.now();
      } else if (Date.now() - progressAt >= idleMs) {
        clearInterval(timer);
        onStall();
      }
    },
    Math.max(50, Math.min(1_000, Math.floor(idleMs / 4))),
  );
  return () => clearInterval(timer);
}
