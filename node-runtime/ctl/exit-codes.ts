// The exit codes dfsctl promises scripts (README, "dfsctl"). A failure throws CtlError with one of
// these; cli.ts prints its message on stderr as one line and exits with its code.

export const EXIT = {
  ok: 0,
  /** The cluster answered with an error not listed below (bad input, quota, no quorum, …). */
  failed: 1,
  /** The command line itself is wrong (unknown flag, missing argument, bad KEY=VALUE). */
  usage: 2,
  /** No endpoint answered: every node named by --endpoints refused or timed out. */
  unreachable: 3,
  /** The file, lock or member does not exist. */
  notFound: 4,
  /** Conflict: the name is locked, the lock token is wrong, the member already exists. */
  conflict: 5,
  /** The token (or cluster secret) is missing or wrong. */
  unauthorized: 6,
  /** Data failed verification: a download's SHA-256, or a scrub that left corrupt chunks. */
  integrity: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CtlError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CtlError';
  }
}

/** The exit code for an API error status (the body's `error` code is in the message). */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 404) return EXIT.notFound;
  if (status === 401 || status === 403) return EXIT.unauthorized;
  if (status === 409 || status === 412 || status === 423) return EXIT.conflict;
  return EXIT.failed;
}
