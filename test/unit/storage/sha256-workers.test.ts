import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Sha256Workers, WORKER_HASH_MIN_BYTES } from '../../../node-runtime/storage/sha256-workers';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A buffer that is the whole of its own ArrayBuffer, as a chunk read makes. */
function owned(size: number): Buffer {
  const bytes = Buffer.allocUnsafeSlow(size);
  randomBytes(size).copy(bytes);
  return bytes;
}

describe('SHA-256 on worker threads', () => {
  let workers: Sha256Workers;
  afterEach(async () => {
    await workers.close();
  });

  it('gives the digest createHash gives, and the same bytes back, for buffers on either side of the threshold', async () => {
    workers = new Sha256Workers({ threads: 2 });
    for (const size of [0, 1, WORKER_HASH_MIN_BYTES - 1, WORKER_HASH_MIN_BYTES, 4 * 1024 * 1024 + 3]) {
      const bytes = owned(size);
      const copy = Buffer.from(bytes);
      const result = await workers.hash(bytes);
      expect(result.digest, `size ${size}`).toBe(sha256(copy));
      expect(result.bytes.equals(copy), `size ${size}`).toBe(true);
    }
  });

  it('moves a large buffer to the thread and back (the caller must use the returned bytes)', async () => {
    workers = new Sha256Workers({ threads: 1 });
    const bytes = owned(WORKER_HASH_MIN_BYTES * 2);
    const expected = sha256(bytes);
    const pending = workers.hash(bytes);
    expect(bytes.buffer.byteLength).toBe(0); // transferred: detached here while the thread has it
    const result = await pending;
    expect(result.digest).toBe(expected);
    expect(result.bytes.length).toBe(WORKER_HASH_MIN_BYTES * 2);
  });

  it('hashes a view of a larger buffer where it is, leaving the buffer usable', async () => {
    workers = new Sha256Workers({ threads: 1 });
    const slab = owned(WORKER_HASH_MIN_BYTES * 4);
    const view = slab.subarray(WORKER_HASH_MIN_BYTES, WORKER_HASH_MIN_BYTES * 3);
    const result = await workers.hash(view);
    expect(result.digest).toBe(sha256(view));
    expect(result.bytes).toBe(view);
    expect(slab.buffer.byteLength).toBe(WORKER_HASH_MIN_BYTES * 4);
  });

  it('answers many jobs at once, each with its own digest', async () => {
    workers = new Sha256Workers({ threads: 2 });
    const inputs = Array.from({ length: 24 }, (_, i) => owned(WORKER_HASH_MIN_BYTES + i * 4099));
    const expected = inputs.map(sha256);
    const results = await Promise.all(inputs.map((bytes) => workers.hash(bytes)));
    expect(results.map((r) => r.digest)).toEqual(expected);
  });

  it('starts new threads after close', async () => {
    workers = new Sha256Workers({ threads: 1 });
    const first = owned(WORKER_HASH_MIN_BYTES);
    const firstDigest = sha256(first);
    expect((await workers.hash(first)).digest).toBe(firstDigest);
    await workers.close();
    const second = owned(WORKER_HASH_MIN_BYTES);
    const secondDigest = sha256(second);
    expect((await workers.hash(second)).digest).toBe(secondDigest);
  });

  it('stops a thread that has had nothing to do, and starts one again when needed', async () => {
    workers = new Sha256Workers({ threads: 1, idleStopMs: 50 });
    const bytes = owned(WORKER_HASH_MIN_BYTES);
    const expected = sha256(bytes);
    expect((await workers.hash(bytes)).digest).toBe(expected);
    expect(workers.running).toBe(1);
    const deadline = Date.now() + 5_000;
    while (workers.running > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(workers.running).toBe(0);
    const again = owned(WORKER_HASH_MIN_BYTES);
    const againDigest = sha256(again);
    expect((await workers.hash(again)).digest).toBe(againDigest);
  });

  it('hashes in place from then on when a thread fails before its first answer (no worker threads here)', async () => {
    workers = new Sha256Workers({ threads: 1, source: "throw new Error('no threads here')" });
    await expect(workers.hash(owned(WORKER_HASH_MIN_BYTES))).rejects.toThrow();
    const bytes = owned(WORKER_HASH_MIN_BYTES * 2);
    const expected = sha256(bytes);
    const result = await workers.hash(bytes);
    expect(result.digest).toBe(expected);
    expect(result.bytes).toBe(bytes); // not transferred: hashed on this thread
    expect(workers.running).toBe(0);
  });
});
