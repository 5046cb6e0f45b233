// Reads a whole backup archive and checks everything it can without the metadata's meaning: the
// format version, each content's size and SHA-256, the number of contents, and the end frame's
// SHA-256 of the archive. `dfsctl backup save` runs it on the stream it saves; `dfs-node restore`
// runs it with handlers that store what it reads.
import { createHash } from 'node:crypto';
import { unreadableFormat } from '../common/format-version';
import { ARCHIVE_FORMAT_VERSION, ArchiveError, ArchiveReader, FRAME, type BackupManifest, type ContentHeader, type Frame } from './archive-format';

export interface ArchiveHandlers {
  manifest?(manifest: BackupManifest, snapshot: Buffer): Promise<void> | void;
  /** Must consume `body`; the walk checks its SHA-256 once it has been read. */
  content?(header: ContentHeader, body: AsyncIterable<Buffer>): Promise<void>;
  /** Progress: bytes of content read so far. */
  progress?(contentBytes: number): void;
}

async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of body);
}

function manifestOf(frame: Frame | null): BackupManifest {
  if (frame?.kind !== FRAME.manifest) throw new ArchiveError('the archive does not start with its manifest');
  const manifest = frame.header as unknown as BackupManifest;
  if (manifest.formatVersion !== ARCHIVE_FORMAT_VERSION) {
    throw new ArchiveError(unreadableFormat('the backup archive', manifest.formatVersion, [ARCHIVE_FORMAT_VERSION]));
  }
  return manifest;
}

/** Walks the archive to its end frame; throws ArchiveError at the first thing that does not check out. */
export async function walkArchive(stream: AsyncIterable<Buffer | Uint8Array>, handlers: ArchiveHandlers = {}): Promise<BackupManifest> {
  const reader = new ArchiveReader(stream);
  await reader.readMagic();
  const first = await reader.next();
  const manifest = manifestOf(first);
  const snapshot = await readAll(first!.body);
  await handlers.manifest?.(manifest, snapshot);
  let contents = 0;
  let contentBytes = 0;
  for (;;) {
    const frame = await reader.next();
    if (frame === null) throw new ArchiveError('the archive has no end frame (truncated)');
    if (frame.kind === FRAME.end) {
      const end = frame.header as { contents?: number; sha256?: string };
      if (end.sha256 !== reader.digestBeforeLastFrame()) throw new ArchiveError('the archive\'s SHA-256 does not match its end frame: it was damaged');
      if (end.contents !== contents || contents !== manifest.contents) throw new ArchiveError(`the archive holds ${contents} contents; its manifest names ${manifest.contents}`);
      return manifest;
    }
    if (frame.kind !== FRAME.content) throw new ArchiveError(`unknown frame kind ${frame.kind}`);
    const header = frame.header as unknown as ContentHeader;
    const hash = createHash('sha256');
    let size = 0;
    const checked = (async function* () {
      for await (const piece of frame.body) {
        hash.update(piece);
        size += piece.length;
        contentBytes += piece.length;
        handlers.progress?.(contentBytes);
        yield piece;
      }
    })();
    if (handlers.content) await handlers.content(header, checked);
    await drain(checked);
    const actual = hash.digest('hex');
    if (size !== header.size || actual !== header.sha256) throw new ArchiveError(`content ${header.sha256} (${header.size} bytes) reads back as ${actual} (${size} bytes)`);
    contents++;
  }
}
