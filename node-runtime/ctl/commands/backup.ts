// backup save FILE: streams GET /backup from a healthy node into FILE, checking the archive as it
// arrives (every content's SHA-256, the count, the archive's own SHA-256 in its end frame); FILE
// appears, fsynced, only when all of it checked out. backup verify FILE checks a saved one.
import { createReadStream } from 'node:fs';
import { ArchiveError } from '../../backup/archive-format';
import { saveVerifiedArchive } from '../../backup/save-archive';
import { walkArchive } from '../../backup/walk-archive';
import type { Ctl } from '../context';
import { CtlError, EXIT } from '../exit-codes';
import { apiError, readText } from '../http-client';
import { progressBar } from '../progress';

function failure(what: string, err: unknown): CtlError {
  if (err instanceof CtlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CtlError(err instanceof ArchiveError ? EXIT.integrity : EXIT.failed, `${what}: ${message}`);
}

export async function backupSave(ctl: Ctl, file: string): Promise<void> {
  const spec = { path: '/backup' };
  const answer = await ctl.client.request(spec);
  if (answer.status !== 200) throw apiError(spec, answer, await readText(answer.body));
  const progress = progressBar(`backup ${file}`, 'bytes');
  let total: number | null = null;
  try {
    const { manifest } = await saveVerifiedArchive(answer.body, file, `${file}.dfsctl-partial`, {
      manifest: (m) => {
        total = m.bytes;
      },
      progress: (bytes) => progress.update(bytes, total),
    });
    progress.finish();
    ctl.out.record({ file, node: answer.endpoint, ...manifest });
  } catch (err) {
    progress.finish();
    answer.body.destroy();
    throw failure(`backup from ${answer.endpoint} failed, nothing kept`, err);
  }
}

export async function backupVerify(ctl: Ctl, file: string): Promise<void> {
  try {
    const manifest = await walkArchive(createReadStream(file));
    ctl.out.record({ file, verified: true, ...manifest });
  } catch (err) {
    throw failure(`${file} does not verify`, err);
  }
}
