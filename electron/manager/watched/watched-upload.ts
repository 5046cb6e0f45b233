// How a watched folder's file reaches the cluster: `POST <node>/upload/<name>` with the file as
// the raw body, streamed from disk (constant memory) with its exact length. Any node will do —
// a follower forwards writes to the leader — but the leader saves a hop. The bytes are hashed on
// the way out and compared with the SHA-256 the node computed: the index records only content
// the cluster provably holds.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { request as httpRequest, type ClientRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { REQUEST_ID_HEADER } from '../../../node-runtime/common/api-types';
import { apiErrorBodySchema } from '../../../node-runtime/common/errors';

/**
 * Uploads `size` bytes of the local `file` as cluster file `name` and resolves with their SHA-256
 * (hex), which the node confirmed; rejects with UploadError.
 */
/** `requestId`: sent as Idempotency-Key, the same on each retry of one content, so it is stored once. */
export type FileUploader = (name: string, file: string, size: number, signal: AbortSignal, requestId?: string) => Promise<string>;

const writtenSchema = z.object({ sha256: z.string() });

/**
 * How requests reach a node: the manager passes its cluster's NodeAccess (CA, and the client token
 * for that cluster's nodes only), which has this shape; without one, plain requests.
 */
export interface NodeRequester {
  request(url: URL, options: RequestOptions): ClientRequest;
  fetch(url: URL, init: { method?: string; signal?: AbortSignal }): Promise<Response>;
}

export const plainRequester: NodeRequester = {
  request: (url, options) => (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options),
  fetch: (url, init) => fetch(url, init),
};

/**
 * Why an upload failed. `retryable` failures (no node answers, no quorum, a timeout, a broken
 * connection) are tried again later; the others (a bad name, a locked file, a full quota) wait
 * until the file changes again.
 */
export class UploadError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly retryable: boolean,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'UploadError';
  }
}

const retryableCodes = new Set(['unavailable', 'no_quorum', 'timeout', 'not_leader', 'internal', 'hash_mismatch']);

/** Retryable failures that mean "no leader right now" (or no node answering): the upload waits for one. */
export const WAIT_FOR_LEADER_CODES: ReadonlySet<string> = new Set(['unavailable', 'no_quorum', 'not_leader']);

/** "docs/a b.txt" → "docs/a%20b.txt": slashes stay path separators on the node too. */
function encodeName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

/**
 * An uploader that sends each file to the node `baseUrl()` names at that moment (e.g. the
 * current leader). `baseUrl` may throw when no node is reachable: that is a retryable failure.
 */
export function nodeUploader(baseUrl: () => string, requester: () => NodeRequester = () => plainRequester): FileUploader {
  return async (name, file, size, signal, requestId) => {
    let target: URL;
    try {
      target = new URL(`upload/${encodeName(name)}`, `${baseUrl().replace(/\/$/, '')}/`);
    } catch (err) {
      throw new UploadError('unavailable', `no node to upload to: ${(err as Error).message}`, true);
    }
    const upstream = requester().request(target, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/octet-stream', 'content-length': size, ...(requestId !== undefined && { [REQUEST_ID_HEADER]: requestId }) },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      upstream.once('error', reject);
      upstream.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks).toString('utf8') }));
        res.once('error', reject);
      });
    });
    // Exactly `size` bytes, even if the file grows meanwhile (the change is uploaded next). A
    // failure while sending destroys the request, so it surfaces as the answer's error; a node
    // may also answer (413, 423, 507) before it read the whole body, which is not a failure.
    const hash = createHash('sha256');
    const body = size === 0 ? null : createReadStream(file, { start: 0, end: size - 1 });
    body?.on('data', (chunk) => hash.update(chunk));
    if (body === null) upstream.end();
    else pipeline(body, upstream).catch(() => {});
    let answer: { status: number; body: string };
    try {
      answer = await answered;
    } catch (err) {
      upstream.destroy();
      if (signal.aborted) throw new UploadError('cancelled', `upload of ${name} was cancelled`, false);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UploadError('gone', `${file} disappeared before it was uploaded`, false);
      throw new UploadError('unavailable', `uploading ${name} to ${target.host} failed: ${(err as Error).message}`, true);
    }
    if (answer.status < 300) return confirmedHash(name, hash.digest('hex'), answer.body);
    let parsed: { error: string; detail: string } | null = null;
    try {
      const result = apiErrorBodySchema.safeParse(JSON.parse(answer.body));
      if (result.success) parsed = result.data;
    } catch {
      // Not an error body: described by its status below.
    }
    const codeName = parsed?.error ?? (answer.status >= 500 ? 'unavailable' : 'bad_request');
    throw new UploadError(codeName, parsed?.detail ?? `the node answered ${answer.status}`, retryableCodes.has(codeName));
  };
}


/** The local hash, when the node's answer names the same one. */
function confirmedHash(name: string, sent: string, answerBody: string): string {
  let stored: string | null = null;
  try {
    const parsed = writtenSchema.safeParse(JSON.parse(answerBody));
    if (parsed.success) stored = parsed.data.sha256;
  } catch {
    // Reported below like a different hash.
  }
  if (stored !== sent) throw new UploadError('hash_mismatch', `the cluster stored ${name} as ${stored ?? 'an unreadable answer'}, not the ${sent} that was sent`, true);
  return sent;
}
