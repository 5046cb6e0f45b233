// Reading files from the active cluster for the manager's own use (the zip of a selection): one
// listing page, and one file's bytes from the leader (else any node that answers), each read
// verified chunk by chunk by the node that serves it.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { ApiError, apiErrorBodySchema } from '../../../node-runtime/common/errors';
import type { ArchiveEntry, ListFiles } from './archive-plan';
import { ArchiveCutOff, type OpenEntry } from './zip-archive';
import { PASSTHROUGH_WAIT_MS, type ClusterOps } from './cluster-ops';

/** A listing of 10,000 names is a few MB of JSON; a node that takes longer is in trouble. */
const LIST_TIMEOUT_MS = 30_000;
/** How long a file's node may send nothing before the archive gives up on it. */
const READ_IDLE_MS = 60_000;
/** Nodes tried for one file when the chosen one refuses the connection (it just went down). */
const MAX_NODES_PER_FILE = 3;

/** "docs/a b.txt" → "docs/a%20b.txt". */
function encodeName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

async function errorOf(answer: { status: number; text: () => Promise<string> }, what: string): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = JSON.parse(await answer.text());
  } catch {
    // Not an error body: reported with the status below.
  }
  const parsed = apiErrorBodySchema.safeParse(body);
  if (parsed.success) return new ApiError(parsed.data.error, `${what}: ${parsed.data.detail}`);
  return new ApiError('unavailable', `${what}: the node answered ${answer.status}`);
}

/** `GET /files` on the passthrough target (the leader when known). */
export function listClusterFiles(ops: ClusterOps): ListFiles {
  return async ({ prefix, cursor, limit }) => {
    const node = await ops.awaitPassthroughTarget(PASSTHROUGH_WAIT_MS);
    const url = new URL('/files', node.httpUrl);
    url.searchParams.set('prefix', prefix);
    url.searchParams.set('limit', String(limit));
    if (cursor !== null) url.searchParams.set('cursor', cursor);
    let res: Response;
    try {
      res = await ops.access.fetch(url, { signal: AbortSignal.timeout(LIST_TIMEOUT_MS) });
    } catch (err) {
      throw new ApiError('unavailable', `node ${node.id} did not answer a file listing: ${(err as Error).message}`);
    }
    if (!res.ok) throw await errorOf(res, `node ${node.id} refused to list "${prefix}"`);
    return res.json();
  };
}

function request(ops: ClusterOps, httpUrl: string, entry: ArchiveEntry, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = ops.access.request(new URL(`/files/${encodeName(entry.name)}`, httpUrl), { method: 'GET', signal });
    req.setTimeout(READ_IDLE_MS, () => req.destroy(new Error(`no data for ${READ_IDLE_MS / 1000} s`)));
    req.once('error', reject);
    req.once('response', resolve);
    req.end();
  });
}

/** Opens one file on a node that answers; its bytes are checked by the archive as they pass. */
export function openClusterFile(ops: ClusterOps): OpenEntry {
  return async (entry, signal) => {
    const refused = new Set<number>();
    for (;;) {
      const node = await ops.awaitPassthroughTarget(PASSTHROUGH_WAIT_MS, refused);
      let answer: IncomingMessage;
      try {
        answer = await request(ops, node.httpUrl, entry, signal);
      } catch (err) {
        refused.add(node.id);
        if (signal.aborted || refused.size >= MAX_NODES_PER_FILE) throw new ArchiveCutOff(`"${entry.name}" could not be read from the cluster: ${(err as Error).message}`);
        continue;
      }
      if (answer.statusCode === 200 && answer.headers.etag === `"${entry.sha256}"`) return answer as Readable;
      if (answer.statusCode === 404 || answer.statusCode === 200) {
        answer.destroy();
        throw new ArchiveCutOff(`"${entry.name}" was ${answer.statusCode === 404 ? 'deleted' : 'overwritten'} while the zip was being sent`);
      }
      const text = async (): Promise<string> => {
        let body = '';
        for await (const piece of answer) body += String(piece);
        return body;
      };
      const refusal = await errorOf({ status: answer.statusCode ?? 0, text }, `node ${node.id} did not serve "${entry.name}"`);
      throw new ArchiveCutOff(refusal.detail);
    }
  };
}
