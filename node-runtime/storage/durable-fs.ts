// The few primitives that make a file system change durable. A rename or a new file is only
// durable once its directory has been fsynced; data is only durable once the file is.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Makes entries created, renamed or removed in `dir` survive a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory as a file (EISDIR/EPERM); NTFS journals renames itself.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `dir` (and missing parents) and makes each newly created level durable by fsyncing
 * the directory that holds it.
 */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  let created = path.resolve(dir);
  const top = path.resolve(first);
  for (;;) {
    await fsyncDir(path.dirname(created));
    if (created === top) return;
    created = path.dirname(created);
  }
}

/** Writes all of `data` at `position` (a single write call may write less). */
export async function writeFully(handle: fs.FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** Writes all of `pieces`, end to end, at `position` (a vectored write may write less than all). */
export async function writevFully(handle: fs.FileHandle, pieces: readonly Uint8Array[], position: number): Promise<void> {
  let rest = pieces;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest as Uint8Array[], at);
    at += bytesWritten;
    rest = skipBytes(rest, bytesWritten);
  }
}

/** `pieces` without their first `count` bytes. */
function skipBytes(pieces: readonly Uint8Array[], count: number): readonly Uint8Array[] {
  let left = count;
  let first = 0;
  while (first < pieces.length && left >= (pieces[first] as Uint8Array).length) left -= (pieces[first++] as Uint8Array).length;
  if (first === pieces.length) return [];
  const head = pieces[first] as Uint8Array;
  return [head.subarray(left), ...pieces.slice(first + 1)];
}
