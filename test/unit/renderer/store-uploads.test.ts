import { afterEach, describe, expect, it, vi } from 'vitest';
import { HIDE_AFTER_DONE_MS, LEADER_RETRY_MS, LEADER_WAIT_LIMIT_MS, MAX_PARALLEL_UPLOADS } from '../../../renderer/src/store/uploads-slice';
import type { ClusterSnapshot } from '../../../node-runtime/common/manager-api';
import { failWith, harness, settle, type TestHarness } from './fake-deps';
import { config, fileItem, healthyCluster } from './fixtures';

const blob = (bytes: number) => new Blob([new Uint8Array(bytes)]);

describe('the upload queue', () => {
  afterEach(() => vi.useRealTimers());

  it('goes away by itself a moment after everything arrived, but stays while one failed', async () => {
    vi.useFakeTimers();
    const h = harness();
    h.store.getState().enqueueUploads([{ name: 'a.bin', file: blob(10) }, { name: 'b.bin', file: blob(10) }]);
    await h.uploads.started[0]?.finish({ kind: 'done' });
    await vi.advanceTimersByTimeAsync(HIDE_AFTER_DONE_MS);
    expect(h.store.getState().uploads).toHaveLength(2);
    await h.uploads.started[1]?.finish({ kind: 'done' });
    await vi.advanceTimersByTimeAsync(HIDE_AFTER_DONE_MS - 1);
    expect(h.store.getState().uploads).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.store.getState().uploads).toHaveLength(0);

    h.store.getState().enqueueUploads([{ name: 'c.bin', file: blob(10) }]);
    await h.uploads.started[2]?.finish({ kind: 'failed', code: 'quota_exceeded', detail: 'the quota is full' });
    await vi.advanceTimersByTimeAsync(2 * HIDE_AFTER_DONE_MS);
    expect(h.store.getState().uploads.map((u) => u.state)).toEqual(['failed']);
  });

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

  it('waits for a leader after a "not now" failure and sends again by itself, under the same request id', async () => {
    vi.useFakeTimers();
    const h = harness();
    h.store.getState().enqueueUploads([{ name: 'during-election.bin', file: blob(10) }]);
    const first = h.uploads.started[0];
    first?.request.onProgress(4);
    await first?.finish({ kind: 'failed', code: 'no_quorum', detail: 'no leader was elected within the wait for one' });
    expect(h.store.getState().uploads[0]).toMatchObject({ state: 'uploading', bytesSent: 0, error: null, waitingSince: h.clock.now });
    expect(h.uploads.started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(LEADER_RETRY_MS);
    const second = h.uploads.started[1];
    expect(second?.request.requestId).toBe(first?.request.requestId);
    await second?.finish({ kind: 'failed', code: 'network', detail: 'the connection to the cluster manager broke' });
    await vi.advanceTimersByTimeAsync(LEADER_RETRY_MS);
    await h.uploads.started[2]?.finish({ kind: 'done' });
    expect(h.store.getState().uploads[0]).toMatchObject({ state: 'done', waitingSince: null });
    // Another upload gets another id.
    h.store.getState().enqueueUploads([{ name: 'other.bin', file: blob(10) }]);
    expect(h.uploads.started[3]?.request.requestId).not.toBe(first?.request.requestId);
  });

  it('fails once it has waited LEADER_WAIT_LIMIT_MS for a leader, and can be cancelled while it waits', async () => {
    vi.useFakeTimers();
    const h = harness();
    h.store.getState().enqueueUploads([{ name: 'never.bin', file: blob(10) }, { name: 'cancel-me.bin', file: blob(10) }]);
    await h.uploads.started[1]?.finish({ kind: 'failed', code: 'unavailable', detail: 'no node answers' });
    h.store.getState().cancelUpload(h.store.getState().uploads[1]?.id ?? '');
    expect(h.store.getState().uploads[1]?.state).toBe('cancelled');
    for (let tries = 0; h.store.getState().uploads[0]?.state === 'uploading'; tries++) {
      expect(tries).toBeLessThan(100);
      h.clock.now += LEADER_RETRY_MS;
      await h.uploads.started.filter((u) => u.request.name === 'never.bin').at(-1)?.finish({ kind: 'failed', code: 'unavailable', detail: 'no node answers' });
      await vi.advanceTimersByTimeAsync(LEADER_RETRY_MS);
    }
    expect(h.store.getState().uploads[0]).toMatchObject({ state: 'failed', error: { code: 'unavailable' } });
    expect(h.uploads.started.filter((u) => u.request.name === 'cancel-me.bin')).toHaveLength(1);
    expect(h.clock.now - Date.UTC(2026, 10, 26, 14, 0, 0)).toBeGreaterThanOrEqual(LEADER_WAIT_LIMIT_MS);
  });

  it('keeps a clear error per failed file and retries it', async () => {
    const h = harness();
    h.store.getState().enqueueUploads([{ name: 'big.iso', file: blob(10) }]);
    await h.uploads.started[0]?.finish({ kind: 'failed', code: 'quota_exceeded', detail: 'the upload would use 1.2 GiB of a 1 GiB quota' });
    expect(h.store.getState().uploads[0]?.error).toEqual({ code: 'quota_exceeded', message: 'Quota exceeded. The upload would use 1.2 GiB of a 1 GiB quota. Delete files or raise the storage quota in Configuration.' });
    h.store.getState().retryUpload(h.store.getState().uploads[0]?.id ?? '');
    expect(h.uploads.started).toHaveLength(2);
    expect(h.store.getState().uploads[0]).toMatchObject({ state: 'uploading', error: null });
  });

  it('refuses invalid names before sending anything', () => {
    const h = harness();
    h.store.getState().enqueueUploads([{ name: 'status', file: blob(1) }]);
    expect(h.uploads.started).toHaveLength(0);
    expect(h.store.getState().uploads[0]).toMatchObject({ state: 'failed', error: { code: 'name_invalid' } });
    expect(h.store.getState().uploads[0]?.error?.message).toMatch(/^Invalid name\. "status" is reserved/);
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

  describe('refusing before a byte is sent, from the leader’s own numbers', () => {
    const MiB = 1024 * 1024;
    /** The fixture's leader has 300 MiB stored; the quota leaves 1000 bytes free. */
    function nearlyFull(): TestHarness {
      const h = harness();
      const snapshot = healthyCluster();
      const nodes = snapshot.nodes.map((n) => (n.report === null ? n : { ...n, report: { ...n.report, config: config({ storageQuota: { value: 300 * MiB + 1000, scope: 'cluster', source: 'api' } }) } }));
      h.store.getState().handleEvent({ type: 'snapshot', data: { ...snapshot, nodes } satisfies ClusterSnapshot });
      return h;
    }

    it('refuses a new file over what the quota has left, in human units, without sending it', async () => {
      const h = nearlyFull();
      h.api.on('GET', /^\/api\/fileinfo/, () => failWith('not_found', 'no such file', 404));
      h.store.getState().enqueueUploads([{ name: 'new.bin', file: blob(2000) }]);
      await settle();
      expect(h.uploads.started).toHaveLength(0);
      expect(h.store.getState().uploads[0]).toMatchObject({ state: 'failed', error: { code: 'quota_exceeded' } });
      expect(h.store.getState().uploads[0]?.error?.message).toBe('Quota exceeded. Storing "new.bin" (1.95 KiB) would exceed the quota: 300 MiB of 300 MiB used, 1000 B free. Delete files or raise the storage quota in Configuration.');
    });

    it('sends an overwrite that only grows the file by what is free, listed or not', async () => {
      const h = nearlyFull();
      h.store.setState((s) => ({ files: { ...s.files, items: [fileItem('listed.bin', { size: 1500 })] } }));
      h.api.on('GET', /^\/api\/fileinfo\?name=elsewhere\.bin$/, () => ({ ...fileItem('elsewhere.bin', { size: 1500 }), chunks: [] }));
      h.store.getState().enqueueUploads([
        { name: 'listed.bin', file: blob(2000) },
        { name: 'elsewhere.bin', file: blob(2000) },
      ]);
      await settle();
      expect(h.uploads.started.map((u) => u.request.name).sort()).toEqual(['elsewhere.bin', 'listed.bin']);
    });

    it('refuses a file larger than the whole quota without asking anything', async () => {
      const h = nearlyFull();
      h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster({ nodes: healthyCluster().nodes.map((n) => (n.report === null ? n : { ...n, report: { ...n.report, config: config({ storageQuota: { value: 1000, scope: 'cluster', source: 'api' } }) } })) }) });
      h.store.getState().enqueueUploads([{ name: 'huge.bin', file: blob(1001) }]);
      await settle();
      expect(h.uploads.started).toHaveLength(0);
      expect(h.api.calls.filter((c) => c.path.startsWith('/api/fileinfo'))).toHaveLength(0);
      expect(h.store.getState().uploads[0]?.error?.message).toBe('File too large. "huge.bin" is 1001 B, more than the whole quota of 1000 B.');
    });

    it('refuses a file that would eat into the leader\'s disk reserve, and sends one that fits', async () => {
      const h = harness();
      // The fixture's leader keeps 256 MiB free (diskReserveBytes) and has 50,000 MiB free.
      const snapshot = healthyCluster();
      const nodes = snapshot.nodes.map((n) => (n.report?.stats == null ? n : { ...n, report: { ...n.report, stats: { ...n.report.stats, diskFree: 256 * MiB + 1000 } } }));
      h.store.getState().handleEvent({ type: 'snapshot', data: { ...snapshot, nodes } satisfies ClusterSnapshot });
      h.api.on('GET', /^\/api\/fileinfo/, () => failWith('not_found', 'no such file', 404));
      h.store.getState().enqueueUploads([{ name: 'fits.bin', file: blob(1000) }, { name: 'too-much.bin', file: blob(1001) }]);
      await settle();
      expect(h.uploads.started.map((u) => u.request.name)).toEqual(['fits.bin']);
      const refused = h.store.getState().uploads.find((u) => u.name === 'too-much.bin');
      expect(refused).toMatchObject({ state: 'failed', error: { code: 'disk_full' } });
      expect(refused?.error?.message).toBe('Disk full. The leader keeps 256 MiB of disk free (setting “Disk kept free”) and has 256 MiB. Free disk space on that node, then try again.');
    });
  });
});
