import { describe, expect, it } from 'vitest';
import { MAX_PARALLEL_UPLOADS } from '../../../renderer/src/store/uploads-slice';
import { harness, settle } from './fake-deps';

const blob = (bytes: number) => new Blob([new Uint8Array(bytes)]);

describe('the upload queue', () => {
  it('uploads with progress and speed, then refreshes nothing until files were loaded', async () => {
    const h = harness();
    h.store.getState().enqueueUploads([{ name: 'a.bin', file: blob(1000) }]);
    const [upload] = h.uploads.started;
    expect(upload?.request.name).toBe('a.bin');
    h.clock.now += 2000;
    upload?.request.onProgress(400);
    expect(h.store.getState().uploads[0]).toMatchObject({ state: 'uploading', bytesSent: 400, bytesPerSec: 200 });
    await upload?.finish({ kind: 'done' });
    expect(h.store.getState().uploads[0]).toMatchObject({ state: 'done', bytesSent: 1000 });
  });

  it('sends the lock token when overwriting a file this dashboard holds a lock on', async () => {
    const h = harness();
    h.api.on('POST', /^\/api\/locks\/a\.txt$/, () => ({
      name: 'a.txt',
      owner: 'DFS Desktop',
      acquiredAt: '2026-11-26T14:00:00.000Z',
      expiresAt: '2026-11-26T14:00:30.000Z',
      token: 'tok-1',
    }));
    await h.store.getState().lockFile('a.txt');
    h.store.getState().enqueueUploads([
      { name: 'a.txt', file: blob(10) },
      { name: 'b.txt', file: blob(10) },
    ]);
    expect(h.uploads.started.map((u) => u.request.lockToken)).toEqual(['tok-1', undefined]);
    await h.store.getState().unlockFile('a.txt');
    h.store.getState().enqueueUploads([{ name: 'a.txt', file: blob(10) }]);
    expect(h.uploads.started[2]?.request.lockToken).toBeUndefined();
  });

  it(`runs at most ${MAX_PARALLEL_UPLOADS} at once and starts the next when one ends`, async () => {
    const h = harness();
    h.store.getState().enqueueUploads(['1', '2', '3', '4', '5'].map((n) => ({ name: `f${n}`, file: blob(10) })));
    expect(h.uploads.started).toHaveLength(MAX_PARALLEL_UPLOADS);
    await h.uploads.started[0]?.finish({ kind: 'done' });
    expect(h.uploads.started).toHaveLength(MAX_PARALLEL_UPLOADS + 1);
  });

  it('keeps a clear error per failed file and retries it', async () => {
    const h = harness();
    h.store.getState().enqueueUploads([{ name: 'big.iso', file: blob(10) }]);
    await h.uploads.started[0]?.finish({ kind: 'failed', code: 'quota_exceeded', detail: 'the upload would use 1.2 GiB of a 1 GiB quota' });
    expect(h.store.getState().uploads[0]?.error).toEqual({ code: 'quota_exceeded', message: 'Quota exceeded: the upload would use 1.2 GiB of a 1 GiB quota' });
    h.store.getState().retryUpload(h.store.getState().uploads[0]?.id ?? '');
    expect(h.uploads.started).toHaveLength(2);
    expect(h.store.getState().uploads[0]).toMatchObject({ state: 'uploading', error: null });
  });

  it('refuses invalid names before sending anything', () => {
    const h = harness();
    h.store.getState().enqueueUploads([{ name: 'status', file: blob(1) }]);
    expect(h.uploads.started).toHaveLength(0);
    expect(h.store.getState().uploads[0]).toMatchObject({ state: 'failed', error: { code: 'name_invalid' } });
    expect(h.store.getState().uploads[0]?.error?.message).toMatch(/^Invalid name: "status" is reserved/);
  });

  it('cancels a running upload by aborting it, and a queued one directly', async () => {
    const h = harness();
    h.store.getState().enqueueUploads(['1', '2', '3', '4'].map((n) => ({ name: `f${n}`, file: blob(10) })));
    const [first, , , queued] = h.store.getState().uploads;
    h.store.getState().cancelUpload(queued?.id ?? '');
    h.store.getState().cancelUpload(first?.id ?? '');
    await settle();
    expect(h.uploads.started[0]?.aborted).toBe(true);
    expect(h.store.getState().uploads.map((u) => u.state)).toEqual(['cancelled', 'uploading', 'uploading', 'cancelled']);
    h.store.getState().clearFinishedUploads();
    expect(h.store.getState().uploads).toHaveLength(2);
  });
});
