// The ZIP64 side of the zip records without writing gigabytes: an archive whose middle entry is
// 5 GiB of sparse file (a hole on disk), so the entry after it starts past 4 GiB. Debian's zipinfo
// reads the central directory's sizes and offsets back, and unzip extracts the entry past 4 GiB.
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archiveLength,
  centralRecord,
  centralRecordLength,
  dataDescriptor,
  endRecords,
  endRecordsLength,
  localHeader,
  localHeaderLength,
  dataDescriptorLength,
  type ZipEntry,
} from '../../../electron/manager/clusters/zip-records';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-zip64-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GiB = 1024 ** 3;
const modified = new Date('2026-12-06T10:15:30.000Z');
const entryOf = (name: string, size: number): ZipEntry => ({ path: Buffer.from(name), size, modified });

describe('zip records', () => {
  it('encode each record at the length the archive length counts', () => {
    for (const [size, offset] of [[5, 0], [5 * GiB, 0], [5, 6 * GiB], [5 * GiB, 6 * GiB]] as const) {
      const entry = entryOf('a/b.txt', size);
      expect(localHeader(entry).length).toBe(localHeaderLength(entry));
      expect(dataDescriptor(entry, 0).length).toBe(dataDescriptorLength(entry));
      expect(centralRecord(entry, 0, offset).length).toBe(centralRecordLength(entry, offset));
    }
    for (const [count, offset, bytes] of [[1, 0, 0], [0xffff, 0, 0], [2, 5 * GiB, 10], [2, 0, 5 * GiB]] as const) {
      expect(endRecords(count, offset, bytes).length).toBe(endRecordsLength(count, offset, bytes));
    }
  });

  it('write ZIP64 sizes and offsets that zipinfo and unzip read back, past 4 GiB', async () => {
    const data = new Map([['first.txt', Buffer.from('first')], ['after.txt', Buffer.from('after 4 GiB')]]);
    const [first, huge, after] = [entryOf('first.txt', 5), entryOf('huge.bin', 5 * GiB), entryOf('after.txt', 11)];
    const entries = [first, huge, after];
    const file = path.join(dir, 'zip64.zip');
    const handle = await open(file, 'w');
    const records: Buffer[] = [];
    let offset = 0;
    try {
      for (const entry of entries) {
        const bytes = data.get(entry.path.toString());
        // The huge entry's bytes are a hole of zeros; its CRC is not checked here (zipinfo reads no data).
        const crc = bytes === undefined ? 0 : crc32(bytes);
        records.push(centralRecord(entry, crc, offset));
        await handle.write(localHeader(entry), 0, undefined, offset);
        offset += localHeaderLength(entry);
        if (bytes !== undefined) await handle.write(bytes, 0, undefined, offset);
        offset += entry.size;
        await handle.write(dataDescriptor(entry, crc), 0, undefined, offset);
        offset += dataDescriptorLength(entry);
      }
      const directory = Buffer.concat(records);
      await handle.write(Buffer.concat([directory, endRecords(entries.length, offset, directory.length)]), 0, undefined, offset);
      expect((await handle.stat()).size).toBe(archiveLength(entries));
    } finally {
      await handle.close();
    }
    const info = (await run('zipinfo', ['-v', file])).stdout;
    expect(info).toContain(`uncompressed size:                              ${5 * GiB} bytes`);
    const afterOffset = localHeaderLength(first) + 5 + dataDescriptorLength(first) + localHeaderLength(huge) + 5 * GiB + dataDescriptorLength(huge);
    expect(afterOffset).toBeGreaterThan(4 * GiB);
    expect(info).toContain(`offset of local header from start of archive:   ${afterOffset}`);
    expect((await run('unzip', ['-p', file, 'after.txt'], { encoding: 'buffer' })).stdout).toEqual(data.get('after.txt'));
    expect((await run('unzip', ['-p', file, 'first.txt'], { encoding: 'buffer' })).stdout).toEqual(data.get('first.txt'));
  });
});
