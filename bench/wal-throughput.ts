// WAL throughput under concurrent synced saves (group commit). Prints one JSON line.
//
//   npx tsx bench/wal-throughput.ts [--saves 20000] [--concurrency 64] [--entry-bytes 256] [--dir /path]
//
// `concurrency` clients each issue one-entry saves with sync: true back to back, the way many
// proposals arrive at a busy leader. The ratio saves/fsyncs shows how many saves share an fsync.
// The WAL is then reopened to time replay.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Wal } from '../node-runtime/storage/wal/wal';

const { values } = parseArgs({
  options: {
    saves: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    'entry-bytes': { type: 'string', default: '256' },
    dir: { type: 'string' },
  },
});
const saves = Number(values.saves);
const concurrency = Number(values.concurrency);
const entryBytes = Number(values['entry-bytes']);

const baseDir = values.dir ?? os.tmpdir();
const dir = await fs.mkdtemp(path.join(baseDir, 'wal-bench-'));
try {
  const { wal } = await Wal.open(dir);
  const data = new Uint8Array(entryBytes).fill(42);
  let nextIndex = 1;
  let issued = 0;
  const client = async (): Promise<void> => {
    while (issued < saves) {
      issued += 1;
      const index = nextIndex++;
      await wal.save({ entries: [{ index, term: 1, kind: 'normal', data }], hardState: { term: 1, vote: 1, commit: index - 1 }, sync: true });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  const stats = wal.stats();
  await wal.close();
  const replayStarted = performance.now();
  const reopened = await Wal.open(dir);
  const replaySeconds = (performance.now() - replayStarted) / 1000;
  if (reopened.state.entries.length !== saves) throw new Error(`replayed ${reopened.state.entries.length} entries, saved ${saves}`);
  await reopened.wal.close();
  console.log(
    JSON.stringify({
      bench: 'wal-throughput',
      saves: stats.saves,
      concurrency,
      entryBytes,
      seconds: Number(seconds.toFixed(3)),
      entriesPerSec: Math.round(stats.saves / seconds),
      fsyncsPerSec: Math.round(stats.fsyncs / seconds),
      fsyncs: stats.fsyncs,
      savesPerFsync: Number((stats.saves / stats.fsyncs).toFixed(1)),
      mbPerSec: Number((stats.bytesWritten / seconds / 1e6).toFixed(1)),
      replayEntriesPerSec: Math.round(saves / replaySeconds),
      node: process.version,
    }),
  );
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
