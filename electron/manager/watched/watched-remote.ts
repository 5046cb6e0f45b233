// What the watched folders need from the cluster: upload a file, list what is under a folder's
// prefix (name order, page by page, with each file's size and SHA-256), and delete a file.
// Listings are linearizable reads, so a file whose upload was acknowledged is always listed.
import { z } from 'zod';
import { apiErrorBodySchema } from '../../../node-runtime/common/errors';
import { UploadError, nodeUploader, plainRequester, type FileUploader, type NodeRequester } from './watched-upload';

export interface RemoteFile {
  /** Full cluster name. */
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

export interface WatchedCluster {
  readonly upload: FileUploader;
  /** Every file whose name starts with `prefix`, in name order; rejects with UploadError. */
  list(prefix: string, signal: AbortSignal): AsyncIterable<RemoteFile>;
  /** Deletes one file; a file that is already gone is not an error. Rejects with UploadError. */
  remove(name: string, signal: AbortSignal): Promise<void>;
}

const PAGE = 5000;

const pageSchema = z.object({
  items: z.array(z.object({ name: z.string(), size: z.number(), sha256: z.string() })),
  nextCursor: z.string().nullable(),
});

function encodeName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

/** The node's error body as an UploadError (retryable when the cluster may answer differently later). */
async function failureOf(res: Response, what: string): Promise<UploadError> {
  const text = await res.text();
  try {
    const parsed = apiErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) return new UploadError(parsed.data.error, `${what}: ${parsed.data.detail}`, res.status >= 500 || res.status === 421);
  } catch {
    // Not an error body: described by its status below.
  }
  return new UploadError('unavailable', `${what}: the node answered ${res.status}`, true);
}

async function call(requester: NodeRequester, url: URL, init: { method?: string; signal: AbortSignal }, what: string): Promise<Response> {
  try {
    return await requester.fetch(url, init);
  } catch (err) {
    if (init.signal?.aborted) throw new UploadError('cancelled', `${what} was cancelled`, false);
    throw new UploadError('unavailable', `${what} failed: ${(err as Error).message}`, true);
  }
}

/** The cluster through the node `baseUrl()` names at each call (e.g. the current leader), reached through `requester()`. */
export function nodeCluster(baseUrl: () => string, requester: () => NodeRequester = () => plainRequester): WatchedCluster {
  const url = (route: string): URL => {
    try {
      return new URL(route, `${baseUrl().replace(/\/$/, '')}/`);
    } catch (err) {
      throw new UploadError('unavailable', `no node to ask: ${(err as Error).message}`, true);
    }
  };
  return {
    upload: nodeUploader(baseUrl, requester),
    async *list(prefix, signal) {
      let cursor: string | null = null;
      do {
        const target = url('files');
        target.searchParams.set('prefix', prefix);
        target.searchParams.set('limit', String(PAGE));
        target.searchParams.set('consistency', 'linearizable');
        if (cursor !== null) target.searchParams.set('cursor', cursor);
        const res = await call(requester(), target, { signal }, `listing ${prefix}`);
        if (!res.ok) throw await failureOf(res, `listing ${prefix}`);
        const page = pageSchema.parse(await res.json());
        yield* page.items;
        cursor = page.nextCursor;
      } while (cursor !== null);
    },
    async remove(name, signal) {
      const res = await call(requester(), url(`files/${encodeName(name)}`), { method: 'DELETE', signal }, `deleting ${name}`);
      if (res.ok || res.status === 404) {
        await res.body?.cancel();
        return;
      }
      throw await failureOf(res, `deleting ${name}`);
    },
  };
}
