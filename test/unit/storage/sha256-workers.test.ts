import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HashThreadUnavailableError, Sha256Workers } from '../../../node-runtime/storage/sha256-workers';
import { useTempDirs } from './temp-dir';

const tempDir = useTempDirs();
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const MiB = 1024 * 1024;

/** A buffer that is the whole of its own ArrayBuffer, as a download's pooled buffers are. */
function owned(size: number): Buffer {
  const bytes = Buffer.allocUnsafeSlow(size);
  randomBytes(size).copy(bytes);
  return bytes;
}

/** Files of random bytes of `sizes` in a fresh directory: their paths and contents. */
async function filesOf(sizes: readonly number[]): Promise<{ files: string[]; contents: Buffer[] }> {
  const dir = await tempDir();
  const contents = sizes.map((size) => owned(size));
  const files = await Promise.all(
    contents.map(async (bytes, i) => {
      const file = path.join(dir, `f${i}`);
      await writeFile(file, bytes);
      return file;
    }),
  );
  return { files, contents };
}

describe('files read and hashed on worker threads', () => {
  let workers: Sha256Workers;
  afterEach(async () => {
    await workers.close();
  });

  it('reads many files at once, each whole and with its own digest, into the buffer given (handed over and back)', async () => {
    workers = new Sha256Workers({ threads: 1 });
    const capacity = 4 * MiB;
    // As a download's read-ahead asks: each file is read while the one before it is hashed.
    const { files, contents } = await filesOf([0, 1, 1000, capacity - 1, capacity, 3 * MiB + 7, ...Array.from({ length: 12 }, (_, i) => 256 * 1024 + i * 4099)]);
    const intos = contents.map(() => Buffer.allocUnsafeSlow(capacity));
    const pending = files.map((file, i) => workers.readAndHash(file, intos[i]));
    expect(intos.every((into) => into.buffer.byteLength === 0)).toBe(true); // detached here while the thread has them
    const results = await Promise.all(pending);
    results.forEach((result, i) => {
      const expected = contents[i] as Buffer;
      expect(result.digest, `file ${i}`).toBe(sha256(expected));
      expect(result.bytes.equals(expected), `file ${i}`).toBe(true);
      expect(result.bytes.buffer.byteLength, `file ${i}: read into the buffer given`).toBe(capacity);
    });
  });

  it('reads into a buffer of the file size when the one given is too small, is a view into a larger one, or is missing', async () => {
    workers = new Sha256Workers({ threads: 1 });
    const size = 3 * 256 * 1024;
    const { files, contents } = await filesOf([size]);
    const [file, bytes] = [files[0] as string, contents[0] as Buffer];
    const slab = owned(4 * size);
    const view = slab.subarray(1000, 1000 + 2 * size);
    for (const into of [Buffer.allocUnsafeSlow(size - 1), view, undefined]) {
      const result = await workers.readAndHash(file, into);
      expect(result.digest).toBe(sha256(bytes));
      expect(result.bytes.equals(bytes)).toBe(true);
    }
    expect(slab.buffer.byteLength).toBe(4 * size); // a view is left where it is, not handed over
  });

  it('runs on two threads when asked, each answering its own jobs', async () => {
    workers = new Sha256Workers({ threads: 2 });
    const { files, contents } = await filesOf(Array.from({ length: 16 }, (_, i) => 512 * 1024 + i));
    const results = await Promise.all(files.map((file) => workers.readAndHash(file)));
    expect(results.map((r) => r.digest)).toEqual(contents.map(sha256));
    expect(workers.running).toBe(2);
  });

  it('rejects with the error code for a file that is not there or cannot be read, and goes on reading others', async () => {
    workers = new Sha256Workers({ threads: 1 });
    const { files, contents } = await filesOf([256 * 1024]);
    const dir = path.dirname(files[0] as string);
    const missing = workers.readAndHash(path.join(dir, 'gone'), Buffer.allocUnsafeSlow(256 * 1024));
    const after = workers.readAndHash(files[0] as string);
    await expect(missing).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await after).digest).toBe(sha256(contents[0] as Buffer));
    await expect(workers.readAndHash(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('starts new threads after close', async () => {
    workers = new Sha256Workers({ threads: 1 });
    const { files, contents } = await filesOf([1000, 2000]);
    expect((await workers.readAndHash(files[0] as string)).digest).toBe(sha256(contents[0] as Buffer));
    await workers.close();
    expect(workers.running).toBe(0);
    expect((await workers.readAndHash(files[1] as string)).digest).toBe(sha256(contents[1] as Buffer));
  });

  it('stops a thread that has had nothing to do, and starts one again when needed', async () => {
    workers = new Sha256Workers({ threads: 1, idleStopMs: 50 });
    const { files, contents } = await filesOf([1000]);
    const [file, expected] = [files[0] as string, sha256(contents[0] as Buffer)];
    expect((await workers.readAndHash(file)).digest).toBe(expected);
    expect(workers.running).toBe(1);
    const deadline = Date.now() + 5_000;
    while (workers.running > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(workers.running).toBe(0);
    expect((await workers.readAndHash(file)).digest).toBe(expected);
  });

  it('says so when no thread can run (here: one fails before its first answer), so the caller reads on its own thread', async () => {
    workers = new Sha256Workers({ threads: 1, source: "throw new Error('no threads here')" });
    const { files } = await filesOf([1000]);
    await expect(workers.readAndHash(files[0] as string)).rejects.toBeInstanceOf(HashThreadUnavailableError);
    // From then on without trying a thread again.
    await expect(workers.readAndHash(files[0] as string)).rejects.toBeInstanceOf(HashThreadUnavailableError);
    expect(workers.running).toBe(0);
  });
});
