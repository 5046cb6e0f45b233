// "Back up now" (issue #18): streams one node's GET /backup into a folder on this machine, checked
// as it arrives by the walk dfsctl uses (every content's SHA-256, the count, the archive's own
// SHA-256), so the file appears — fsynced, under its final name — only when all of it checked out.
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ArchiveError } from '../../../node-runtime/backup/archive-format';
import { saveVerifiedArchive } from '../../../node-runtime/backup/save-archive';
import { ApiError, apiErrorBodySchema } from '../../../node-runtime/common/errors';
import type { SavedBackup } from '../../../node-runtime/common/manager-api';
import type { MemberView } from './cluster-backend';
import type { NodeAccess } from './node-access';

/** `dfs-backup-20261206T101530.123Z.dfsbak`: sorts by time, and no ':' (Windows forbids it in names). */
export function backupFileName(at: Date): string {
  return `dfs-backup-${at.toISOString().replace(/[-:]/g, '')}.dfsbak`;
}

/** How long the node may send nothing, before answering or mid-archive, before the backup fails. */
const BACKUP_IDLE_MS = 60_000;

function openBackupStream(access: NodeAccess, node: MemberView): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = access.request(new URL('/backup', node.httpUrl), { method: 'GET' });
    // A node that stops sending (frozen, cut off) must not leave the dashboard busy for ever.
    req.setTimeout(BACKUP_IDLE_MS, () => req.destroy(new Error(`no data for ${BACKUP_IDLE_MS / 1000} s`)));
    req.once('error', (err) => reject(new ApiError('unavailable', `node ${node.id} cannot be reached for a backup: ${err.message}`)));
    req.once('response', resolve);
    req.end();
  });
}

async function refusal(node: MemberView, answer: IncomingMessage): Promise<ApiError> {
  let text = '';
  for await (const piece of answer) text += String(piece);
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not an error body: reported with the status below.
  }
  const parsed = apiErrorBodySchema.safeParse(body);
  if (parsed.success) return new ApiError(parsed.data.error, `node ${node.id} refused the backup: ${parsed.data.detail}`);
  return new ApiError('unavailable', `node ${node.id} answered GET /backup with ${answer.statusCode ?? 0}`);
}

/** Saves a verified backup from `node` into `folder` (an existing, writable directory). */
export async function saveBackup(access: NodeAccess, node: MemberView, folder: string, at = new Date()): Promise<SavedBackup> {
  const answer = await openBackupStream(access, node);
  if (answer.statusCode !== 200) throw await refusal(node, answer);
  const file = path.join(folder, backupFileName(at));
  const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
  try {
    const { manifest, bytes } = await saveVerifiedArchive(answer, file, partial);
    return { path: file, bytes, files: manifest.files, node: node.id, index: manifest.index };
  } catch (err) {
    answer.destroy();
    const message = err instanceof Error ? err.message : String(err);
    const what = err instanceof ArchiveError ? 'the archive did not verify' : 'the stream failed';
    throw new ApiError(err instanceof ArchiveError ? 'internal' : 'unavailable', `backup from node ${node.id} not saved, ${what}: ${message}`);
  }
}
