// Small helpers for the bodies the peer protocol keeps in memory: JSON of RPCs and error
// answers. Both are bounded, so a misbehaving peer cannot make this node buffer without limit.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export async function readBody(stream: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(stream.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A body that ended before its announced length. */
export class BodyTooShortError extends Error {
  constructor(received: number, size: number) {
    super(`body ended after ${received} of ${size} bytes`);
    this.name = 'BodyTooShortError';
  }
}

/** A body of exactly its Content-Length `size`, read into one buffer (no list of pieces to join). */
export async function readBodyOfLength(stream: AsyncIterable<Uint8Array>, size: number): Promise<Buffer> {
  const body = Buffer.allocUnsafe(size);
  for await (const piece of copiedInto(stream, size, body)) void piece;
  return body;
}

/**
 * A body of exactly `size` bytes as it arrives, each piece copied into `into` (at least `size`
 * bytes) at its place and yielded as a view of it: the socket's own pieces are kept by nobody, so
 * they die young (services/chunk-receiver.ts says why that matters). More bytes throw
 * BodyTooLargeError, fewer BodyTooShortError once the body ends.
 */
export async function* copiedInto(stream: AsyncIterable<Uint8Array>, size: number, into: Buffer): AsyncGenerator<Buffer> {
  if (into.length < size) throw new RangeError(`a buffer of ${into.length} bytes cannot take a body of ${size}`);
  let at = 0;
  for await (const piece of stream) {
    if (at + piece.length > size) throw new BodyTooLargeError(size);
    into.set(piece, at);
    yield into.subarray(at, at + piece.length);
    at += piece.length;
  }
  if (at !== size) throw new BodyTooShortError(at, size);
}

/** The project's error shape `{ error, detail }`; `close` ends the connection after the answer. */
export function sendError(res: ServerResponse, status: number, code: string, detail: string, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: code, detail });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(close && { connection: 'close' }),
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value ?? null);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Reads an error answer's `{ error, detail }`, tolerating anything else a peer might send. */
export async function readErrorBody(res: IncomingMessage): Promise<{ code: string; detail: string }> {
  try {
    const parsed: unknown = JSON.parse((await readBody(res, 64 * 1024)).toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      const { error, detail } = parsed as Record<string, unknown>;
      return { code: typeof error === 'string' ? error : 'unknown', detail: typeof detail === 'string' ? detail : '' };
    }
  } catch {
    // Not our JSON (or cut off): the status alone has to do.
  }
  return { code: 'unknown', detail: '' };
}
