// Chunk buffer pools and the process's spare buffers between them: a buffer one request lets go
// serves the next request's pool instead of a new allocation, a few at most, and none once idle.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChunkBufferPool, SpareChunkBuffers } from '../../../node-runtime/storage/chunk-buffers';

afterEach(() => {
  vi.useRealTimers();
});

describe('ChunkBufferPool with spares', () => {
  it('offers the buffers it no longer keeps to the spares, where the next pool of that size takes them', () => {
    const spares = new SpareChunkBuffers(4, 1_000);
    const upload = new ChunkBufferPool(1024, 8, spares);
    const taken = [upload.take(), upload.take(), upload.take()];
    for (const b of taken) upload.give(b);
    upload.keepAtMost(1);
    expect(spares.size).toBe(2);

    const download = new ChunkBufferPool(1024, 4, spares);
    const reused = [download.take(), download.take()];
    expect(reused.every((b) => taken.includes(b))).toBe(true);
    expect(spares.size).toBe(0);
    // The spares are empty now: the next one is new.
    expect(taken.includes(download.take())).toBe(false);
  });

  it('hands a buffer given back beyond what it keeps to the spares, and never one of another size', () => {
    const spares = new SpareChunkBuffers(4, 1_000);
    const small = new ChunkBufferPool(512, 0, spares);
    small.give(small.take());
    expect(spares.size).toBe(1);
    const large = new ChunkBufferPool(1024, 2, spares);
    expect(large.takeIdle()).toBeUndefined();
    expect(large.take().length).toBe(1024);
    expect(spares.size).toBe(1);
  });

  it('keeps at most `keep` spares', () => {
    const spares = new SpareChunkBuffers(2, 1_000);
    const pool = new ChunkBufferPool(256, 0, spares);
    const buffers = [pool.take(), pool.take(), pool.take()];
    for (const b of buffers) pool.give(b);
    expect(spares.size).toBe(2);
  });

  it('drops its spares once none was asked for or offered during idleDropMs', () => {
    vi.useFakeTimers();
    const spares = new SpareChunkBuffers(4, 1_000);
    const pool = new ChunkBufferPool(256, 0, spares);
    pool.give(pool.take());
    pool.give(Buffer.allocUnsafeSlow(256));
    vi.advanceTimersByTime(600);
    // Used again (taken and given back): the idle time starts over.
    pool.give(pool.take());
    vi.advanceTimersByTime(600);
    expect(spares.size).toBe(2);
    vi.advanceTimersByTime(2_000);
    expect(spares.size).toBe(0);
  });
});
