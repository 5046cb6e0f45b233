// Saves an archive stream to a file only once all of it checked out: the bytes go to `partial` as
// walkArchive checks them, then fsync and rename put the whole archive at `file`. A stream that is
// cut, damaged or refused leaves neither file. dfsctl (`backup save`) and the manager's "Back up
// now" both save through here.
import { open, rename, rm } from 'node:fs/promises';
import type { BackupManifest } from './archive-format';
import { walkArchive, type ArchiveHandlers } from './walk-archive';

export interface SavedArchive {
  readonly manifest: BackupManifest;
  /** The archive's size on disk. */
  readonly bytes: number;
}

export async function saveVerifiedArchive(
  stream: AsyncIterable<Buffer | Uint8Array>,
  file: string,
  partial: string,
  handlers: Omit<ArchiveHandlers, 'content'> = {},
): Promise<SavedArchive> {
  const out = await open(partial, 'w');
  let bytes = 0;
  async function* savedAsRead(): AsyncGenerator<Buffer | Uint8Array> {
    for await (const piece of stream) {
      await out.write(piece);
      bytes += piece.length;
      yield piece;
    }
  }
  try {
    const manifest = await walkArchive(savedAsRead(), handlers);
    await out.sync();
    await out.close();
    await rename(partial, file);
    return { manifest, bytes };
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  }
}
