// A failed `/api` request, carrying the server's `{ error, detail }` when it sent one. Codes are
// kept as plain strings: the manager may add codes of its own beyond the node API's ERROR_STATUS.

export class RequestError extends Error {
  readonly code: string;
  readonly detail: string;
  /** HTTP status, or 0 when no response arrived (network failure, manager gone). */
  readonly status: number;

  constructor(code: string, detail: string, status: number) {
    super(`${code}: ${detail}`);
    this.name = 'RequestError';
    this.code = code;
    this.detail = detail;
    this.status = status;
  }
}

/** Reads an error body; anything that is not `{ error, detail }` becomes a generic code. */
export function errorFromBody(status: number, body: unknown, fallbackText: string): RequestError {
  if (typeof body === 'object' && body !== null) {
    const { error, detail } = body as Record<string, unknown>;
    if (typeof error === 'string') return new RequestError(error, typeof detail === 'string' ? detail : '', status);
  }
  return new RequestError(`http_${status}`, fallbackText || `the manager answered HTTP ${status}`, status);
}

export function asRequestError(err: unknown): RequestError {
  if (err instanceof RequestError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new RequestError('network', detail || 'the cluster manager did not answer', 0);
}
