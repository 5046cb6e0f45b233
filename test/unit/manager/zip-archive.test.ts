// The zip of a selection, checked with Debian's unzip: its length is exactly the size announced
// up front on either side of a 64 KiB central directory and of 65,535 entries (where the ZIP64 end
// records begin), and bytes that are not the listed ones, or a file that cannot be opened, cut the
// archive off instead of completing it. (The cluster side: test/cluster/manager-archive.test.ts.
// Entries of 4 GiB and more, and offsets past 4 GiB: test/unit/manager/zip-records.test.ts.)
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveEntry, ArchivePlan } from '../../../electron/manager/clusters/archive-plan';
import { ArchiveCutOff, zipArchive, type OpenEntry } from '../../../electron/manager/clusters/zip-archive';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-zip-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function planOf(contents: ReadonlyMap<string, Buffer>): ArchivePlan {
  const entries: ArchiveEntry[] = [...contents].map(([name, data]) => ({ name, path: name, size: data.length, sha256: sha256(data), modifiedAt: '2026-12-06T10:15:30.000Z' }));
  return { entries, bytes: entries.reduce((sum, e) => sum + e.size, 0), fileName: 'test.zip' };
}

/** Collects the archive; `broke` when its stream failed before the end. */
async function collect(output: Readable): Promise<{ bytes: Buffer; broke: Error | null }> {
  const pieces: Buffer[] = [];
  try {
    for await (const piece of output) pieces.push(piece as Buffer);
    return { bytes: Buffer.concat(pieces), broke: null };
  } catch (err) {
    return { bytes: Buffer.concat(pieces), broke: err as Error };
  }
}

const fromMap = (contents: ReadonlyMap<string, Buffer>): OpenEntry => async (entry) => Readable.from([contents.get(entry.name) as Buffer]);

describe('zipArchive', () => {
  it('comes out exactly as long as announced on either side of a 64 KiB central directory and of 65,535 entries', async () => {
    // 1,200 entries make a central directory past 64 KiB; 70,000 need the ZIP64 end records.
    for (const count of [10, 1_200, 70_000]) {
      const contents = new Map(Array.from({ length: count }, (_, i) => [`photos/é-${i}.txt`, Buffer.from(`file ${i}`)] as const));
      const zip = zipArchive(planOf(contents), fromMap(contents));
      const { bytes, broke } = await collect(zip.output);
      expect(broke).toBeNull();
      expect(bytes.length, `${count} entries`).toBe(zip.size);
      // The ZIP64 end record's signature, PK\x06\x06, only where the entry count outgrows 16 bits.
      expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), `${count} entries`).toBe(count >= 0xffff);
      const file = path.join(dir, `exact-${count}.zip`);
      await writeFile(file, bytes);
      await run('unzip', ['-tq', file]);
      const listing = (await run('unzip', ['-Z1', file], { maxBuffer: 64 * 1024 * 1024 })).stdout.trim().split('\n');
      expect(listing.length).toBe(count);
      expect(listing[count - 1]).toBe(`photos/é-${count - 1}.txt`);
    }
  }, 120_000);

  it('extracts names, bytes and modification times as listed', async () => {
    const contents = new Map([['docs/ünïcode name.txt', Buffer.from('hello zip')], ['empty.bin', Buffer.alloc(0)]]);
    const zip = zipArchive(planOf(contents), fromMap(contents));
    const file = path.join(dir, 'extract.zip');
    await writeFile(file, (await collect(zip.output)).bytes);
    const out = path.join(dir, 'extracted');
    await run('unzip', ['-q', file, '-d', out]);
    for (const [name, data] of contents) {
      expect(await readFile(path.join(out, name))).toEqual(data);
      // unzip restores the exact UTC time from the Info-ZIP timestamp field.
      expect((await stat(path.join(out, name))).mtime.toISOString()).toBe('2026-12-06T10:15:30.000Z');
    }
  });

  it('cuts the archive off when a file arrives with other bytes than listed, before its entry is closed', async () => {
    const contents = new Map([['a.txt', Buffer.from('what was listed')], ['b.txt', Buffer.from('never reached')]]);
    const zip = zipArchive(planOf(contents), async (entry) => Readable.from([Buffer.from(entry.name === 'a.txt' ? 'what was LISTED' : 'x')]));
    const { bytes, broke } = await collect(zip.output);
    expect(broke).toBeInstanceOf(ArchiveCutOff);
    expect(zip.failure()?.message).toBe('"a.txt" changed while the zip was being sent (it arrived as 15 bytes with another SHA-256 than listed)');
    expect(bytes.length).toBeLessThan(zip.size);
    const file = path.join(dir, 'cut.zip');
    await writeFile(file, bytes);
    await expect(run('unzip', ['-t', file])).rejects.toThrow();
  });

  it('cuts the archive off when a file cannot be opened, or its read fails mid-way', async () => {
    const contents = new Map([['a.txt', Buffer.from('first')], ['b.bin', Buffer.alloc(100_000, 7)]]);
    const gone = zipArchive(planOf(contents), async (entry) => {
      if (entry.name === 'b.bin') throw new ArchiveCutOff('"b.bin" was deleted while the zip was being sent');
      return Readable.from([contents.get(entry.name) as Buffer]);
    });
    expect((await collect(gone.output)).broke?.message).toBe('"b.bin" was deleted while the zip was being sent');

    const broken = zipArchive(planOf(contents), async (entry) => {
      if (entry.name === 'a.txt') return Readable.from([Buffer.from('first')]);
      return new Readable({
        read() {
          this.push(Buffer.alloc(1000, 7));
          this.destroy(new Error('connection reset by the node'));
        },
      });
    });
    const { bytes, broke } = await collect(broken.output);
    expect(broke?.message).toBe('connection reset by the node');
    expect(bytes.length).toBeLessThan(broken.size);
  });

  it('stops reading the current file when its reader goes away', async () => {
    const contents = new Map([['endless.bin', Buffer.alloc(10 * 1024 * 1024)]]);
    const body = new Readable({ read() { this.push(Buffer.alloc(64 * 1024)); } });
    const zip = zipArchive(planOf(contents), async () => body);
    for await (const _piece of zip.output) break;
    if (!body.destroyed) await once(body, 'close');
    expect(body.destroyed).toBe(true);
    expect(zip.failure()).toBeNull();
  });
});
