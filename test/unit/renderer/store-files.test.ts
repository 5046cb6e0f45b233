import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fileEntries } from '../../../renderer/src/store/files-derive';
import { FILE_PAGE_SIZE } from '../../../renderer/src/store/files-slice';
import { fileItem, healthyCluster } from './fixtures';
import { failWith, harness, settle, type TestHarness } from './fake-deps';


describe('the files slice', () => {
  let h: TestHarness;
  beforeEach(() => {
    h = harness();
  });
  afterEach(() => vi.useRealTimers());

  it('loads the first page when the Files view opens, then more on demand', async () => {
    const page = Array.from({ length: FILE_PAGE_SIZE }, (_, i) => fileItem(`f${String(i).padStart(4, '0')}`));
    h.api.on('GET', /^\/api\/files\?limit=1000&delimiter=%2F$/, () => ({ items: page, nextCursor: 'f0999' }));
    h.api.on('GET', /cursor=f0999/, () => ({ items: [fileItem('g.txt')], nextCursor: null }));
    h.store.getState().setTab('files');
    await settle();
    expect(h.store.getState().files.items).toHaveLength(FILE_PAGE_SIZE);
    expect(h.store.getState().files.nextCursor).toBe('f0999');
    await h.store.getState().loadMoreFiles();
    expect(h.store.getState().files).toMatchObject({ nextCursor: null, status: 'idle' });
    expect(h.store.getState().files.items.at(-1)?.name).toBe('g.txt');
  });

  it('keeps reading short pages until a full page is loaded', async () => {
    h.api.on('GET', /^\/api\/files\?limit=1000&delimiter=%2F$/, () => ({ items: [fileItem('a.txt')], nextCursor: 'a.txt' }));
    h.api.on('GET', /cursor=a\.txt/, () => ({ items: [fileItem('b.txt')], nextCursor: null }));
    await h.store.getState().loadFiles();
    expect(h.store.getState().files.items.map((f) => f.name)).toEqual(['a.txt', 'b.txt']);
  });

  it('opens a folder: one level listed with its sub-folders, filter and selection reset', async () => {
    h.api.on('GET', /^\/api\/files/, () => ({ items: [fileItem('photos/x.jpg')], folders: ['photos/2024/'], nextCursor: null }));
    h.store.setState((s) => ({ files: { ...s.files, filter: 'old', selected: { 'a.txt': true } } }));
    h.store.getState().setFilePrefix('photos/');
    await settle();
    const listed = h.api.calls.filter((c) => c.path.startsWith('/api/files'));
    expect(listed.map((c) => c.path)).toEqual([`/api/files?limit=${FILE_PAGE_SIZE}&delimiter=%2F&prefix=photos%2F`]);
    expect(h.store.getState().files).toMatchObject({ prefix: 'photos/', folders: ['photos/2024/'], filter: '', selected: {} });
    expect(h.store.getState().files.items.map((f) => f.name)).toEqual(['photos/x.jpg']);
  });

  it('loads the rest of a long folder before sorting it by size, since one page cannot be sorted alone', async () => {
    h.api.on('GET', /^\/api\/files\?limit=1000&delimiter=%2F$/, () => ({ items: [fileItem('a.txt', { size: 1 })], nextCursor: 'a.txt' }));
    h.api.on('GET', /cursor=a\.txt/, () => ({ items: [fileItem('b.txt', { size: 9 })], nextCursor: 'b.txt' }));
    h.api.on('GET', /cursor=b\.txt/, () => ({ items: [fileItem('c.txt', { size: 5 })], nextCursor: null }));
    h.store.setState((s) => ({ files: { ...s.files, items: [fileItem('a.txt', { size: 1 })], nextCursor: 'a.txt', loadedOnce: true } }));
    const shown: number[] = [];
    const unsubscribe = h.store.subscribe((s, before) => s.files.items !== before.files.items && shown.push(s.files.items.length));
    h.store.getState().setFileSort('size');
    await vi.waitFor(() => expect(h.store.getState().files.nextCursor).toBeNull());
    unsubscribe();
    // Shown once, not page by page: each showing sorts every row loaded.
    expect(shown).toEqual([3]);
    expect(h.store.getState().files.sort).toEqual({ key: 'size', descending: true });
    expect(h.store.getState().files.items.map((f) => f.name)).toEqual(['a.txt', 'b.txt', 'c.txt']);
    h.store.getState().setFileSort('size');
    expect(h.store.getState().files.sort).toEqual({ key: 'size', descending: false });
  });

  it('sorts by replicas over the whole folder from the listing\'s replica summary, rows never shown included', async () => {
    const plain = /^\/api\/files\?limit=1000&delimiter=%2F$/;
    h.api.on('GET', plain, () => ({ items: [fileItem('a.txt')], nextCursor: 'a.txt' }));
    await h.store.getState().loadFiles();
    expect(h.store.getState().files.listedCopies).toBeNull();
    // With the summary: node 3 is down on the second page, and node 2 lacks a chunk of y.bin on the last.
    const summary = (unanswered: number[], lacking: Record<string, number[]>) => ({ members: [1, 2, 3], unanswered, lacking });
    h.api.on('GET', /^\/api\/files\?limit=1000&replicas=1&delimiter=%2F$/, () => ({ items: [fileItem('a.txt')], nextCursor: 'a.txt', replicas: summary([], {}) }));
    h.api.on('GET', /replicas=1.*cursor=a\.txt/, () => ({ items: [fileItem('b.txt')], nextCursor: 'b.txt', replicas: summary([3], {}) }));
    h.api.on('GET', /replicas=1.*cursor=b\.txt/, () => ({ items: [fileItem('x.bin'), fileItem('y.bin')], nextCursor: null, replicas: summary([], { 'y.bin': [2] }) }));
    h.store.getState().setFileSort('replicas');
    await vi.waitFor(() => expect(h.store.getState().files).toMatchObject({ nextCursor: null, status: 'idle' }));
    expect(h.store.getState().files.sort).toEqual({ key: 'replicas', descending: false });
    expect(h.store.getState().files.listedCopies).toEqual({ whole: 3, short: { 'y.bin': 2 } });
    const order = () => fileEntries({ ...h.store.getState().files }).map((e) => (e.kind === 'file' ? e.file.name : e.path));
    // y.bin (2 copies) first without its details ever read; the rest whole on the 3 answering nodes.
    expect(order()).toEqual(['y.bin', 'a.txt', 'b.txt', 'x.bin']);
    // Details read for a row in view are fresher than the listing, and win.
    h.store.setState((s) => ({ files: { ...s.files, details: { 'x.bin': { ...fileItem('x.bin'), chunks: [], completeOn: [1] } } } }));
    expect(order()).toEqual(['x.bin', 'y.bin', 'a.txt', 'b.txt']);
    // The plain listing was asked for once only: every page of the sort came with its summary.
    expect(h.api.calls.filter((c) => plain.test(c.path))).toHaveLength(1);
  });

  it('asks again with the replica summary when the sort changed to replicas while the first listing was on its way', async () => {
    let answer: (page: unknown) => void = () => undefined;
    h.api.on('GET', /^\/api\/files\?limit=1000&delimiter=%2F$/, () => new Promise((resolve) => (answer = resolve)));
    h.api.on('GET', /^\/api\/files\?limit=1000&replicas=1&delimiter=%2F$/, () => ({ items: [fileItem('a.txt'), fileItem('b.bin')], nextCursor: null, replicas: { members: [1, 2, 3], unanswered: [], lacking: { 'b.bin': [3] } } }));
    const loading = h.store.getState().loadFiles();
    h.store.getState().setFileSort('replicas');
    answer({ items: [fileItem('a.txt'), fileItem('b.bin')], nextCursor: null });
    await loading;
    expect(h.store.getState().files.listedCopies).toEqual({ whole: 3, short: { 'b.bin': 2 } });
    expect(fileEntries({ ...h.store.getState().files }).map((e) => (e.kind === 'file' ? e.file.name : e.path))).toEqual(['b.bin', 'a.txt']);
  });

  it('deletes the selection a few at a time, keeping the failures ticked and reporting them once', async () => {
    h.api.on('GET', /^\/api\/files/, () => ({ items: [fileItem('a.txt'), fileItem('b.txt'), fileItem('c.txt')], nextCursor: null }));
    await h.store.getState().loadFiles();
    h.api.on('DELETE', /b\.txt/, () => failWith('locked', 'b.txt is locked by alice', 423));
    h.store.getState().setFilesSelected(['a.txt', 'b.txt', 'c.txt'], true);
    h.store.getState().setFilesSelected(['c.txt'], false);
    h.store.getState().setFilesSelected(['c.txt'], true);
    await h.store.getState().deleteSelectedFiles();
    expect(h.api.calls.filter((c) => c.method === 'DELETE').map((c) => c.path).sort()).toEqual(['/api/files/a.txt', '/api/files/b.txt', '/api/files/c.txt']);
    expect(h.store.getState().files.items.map((f) => f.name)).toEqual(['b.txt']);
    expect(Object.keys(h.store.getState().files.selected)).toEqual(['b.txt']);
    expect(h.store.getState().files.actionFailure).toMatchObject({ what: 'delete 1 of 3 files' });
    expect(h.store.getState().files.actionFailure?.message).toMatch(/^b\.txt: .*locked by alice/);
  });

  it('deletes a ticked folder with every file below it, page by page', async () => {
    h.api.on('GET', /^\/api\/files\?limit=1000&delimiter=%2F$/, () => ({ items: [fileItem('top.txt')], folders: ['old/', 'keep/'], nextCursor: null }));
    await h.store.getState().loadFiles();
    h.api.on('GET', /^\/api\/files\?prefix=old%2F&limit=1000$/, () => ({ items: [fileItem('old/a.txt')], nextCursor: 'old/a.txt' }));
    h.api.on('GET', /^\/api\/files\?prefix=old%2F&limit=1000&cursor=old%2Fa\.txt$/, () => ({ items: [fileItem('old/sub/b.txt')], nextCursor: null }));
    h.store.getState().setFilesSelected(['old/', 'top.txt'], true);
    await h.store.getState().deleteSelectedFiles();
    expect(h.api.calls.filter((c) => c.method === 'DELETE').map((c) => c.path).sort()).toEqual(['/api/files/old%2Fa.txt', '/api/files/old%2Fsub%2Fb.txt', '/api/files/top.txt']);
    expect(h.store.getState().files).toMatchObject({ selected: {}, folders: ['keep/'], actionFailure: null });
  });

  it('asks the manager for a zip of the selection, with paths below the open folder, and reports one cut off mid-way', async () => {
    h.api.on('GET', /^\/api\/files/, () => ({ items: [fileItem('photos/a.jpg')], folders: ['photos/2024/'], nextCursor: null }));
    h.store.getState().setFilePrefix('photos/');
    await settle();
    h.api.on('POST', /^\/api\/archives$/, () => ({ id: 't1', url: '/api/archives/t1', fileName: 'photos.zip', files: 7, totalBytes: 1234 }));
    h.store.getState().setFilesSelected(['photos/a.jpg', 'photos/2024/'], true);
    const url = await h.store.getState().prepareSelectionZip();
    expect(url).toBe(h.api.linkUrl('/api/archives/t1'));
    expect(h.api.calls.find((c) => c.method === 'POST')?.options?.body).toEqual({ names: ['photos/a.jpg', 'photos/2024/'], base: 'photos/' });
    expect(h.store.getState().files.archive).toEqual({ id: 't1', what: '1 file and 1 folder', fileName: 'photos.zip' });

    // Events of other archives change nothing; this one's failure is reported in words.
    h.store.getState().noteArchiveProgress({ id: 'other', fileName: 'x.zip', files: 1, state: 'failed', detail: 'nope' });
    h.store.getState().noteArchiveProgress({ id: 't1', fileName: 'photos.zip', files: 7, state: 'sending' });
    expect(h.store.getState().files).toMatchObject({ archive: { id: 't1' }, actionFailure: null });
    h.store.getState().noteArchiveProgress({ id: 't1', fileName: 'photos.zip', files: 7, state: 'failed', detail: '"photos/2024/b.jpg" was deleted while the zip was being sent' });
    expect(h.store.getState().files.archive).toBeNull();
    expect(h.store.getState().files.actionFailure).toMatchObject({
      what: 'download photos.zip (1 file and 1 folder)',
      message: 'The download was stopped: "photos/2024/b.jpg" was deleted while the zip was being sent.',
    });
  });

  it('reports a zip the manager refused, and keeps full paths for a search’s hits', async () => {
    h.store.setState((s) => ({ files: { ...s.files, prefix: 'docs/', search: 'report', selected: { 'a/report.txt': true, 'docs/report.txt': true } } }));
    h.api.on('POST', /^\/api\/archives$/, () => failWith('not_found', '"a/report.txt" is no longer in the cluster', 404));
    expect(await h.store.getState().prepareSelectionZip()).toBeNull();
    expect(h.api.calls.find((c) => c.method === 'POST')?.options?.body).toEqual({ names: ['a/report.txt', 'docs/report.txt'], base: '' });
    expect(h.store.getState().files.archive).toBeNull();
    expect(h.store.getState().files.actionFailure).toMatchObject({ what: 'download 2 files as a zip' });
    expect(h.store.getState().files.actionFailure?.message).toContain('"a/report.txt" is no longer in the cluster');
  });

  it('opens the details drawer with freshly read details, and reads the head of a file for a preview', async () => {
    h.api.on('GET', /^\/api\/fileinfo\?name=a\.txt$/, () => ({ ...fileItem('a.txt', { version: 3 }), chunks: [], completeOn: [], replicas: [] }));
    h.api.on('GET', /^\/api\/files\/a\.txt$/, (call) => `head of a.txt (${call.options?.headers?.Range})`);
    h.store.getState().openFileDetails('a.txt');
    await settle();
    expect(h.store.getState().files.openFile).toBe('a.txt');
    expect(h.store.getState().files.details['a.txt']?.version).toBe(3);
    expect(await h.store.getState().readFileHead('a.txt', 100)).toBe('head of a.txt (bytes=0-99)');
    h.store.getState().openFileDetails(null);
    expect(h.store.getState().files.openFile).toBeNull();
  });

  it('shows why listing failed', async () => {
    h.api.on('GET', /^\/api\/files/, () => failWith('unavailable', 'no node answered', 503));
    await h.store.getState().loadFiles();
    expect(h.store.getState().files).toMatchObject({ status: 'error', error: 'Cluster unavailable. No node answered. Try again once the nodes are running.' });
  });

  it('fetches replication details for the rows shown, a few at a time, once per version', async () => {
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    h.api.on('GET', /^\/api\/files/, () => ({ items: [fileItem('a.txt'), fileItem('b.txt')], nextCursor: null }));
    h.api.on('GET', /^\/api\/fileinfo/, (call) => ({ ...fileItem(decodeURIComponent(call.path.split('name=')[1] ?? '')), chunks: [], completeOn: [1, 2, 3] }));
    await h.store.getState().loadFiles();
    h.store.getState().requestFileDetails(['a.txt', 'b.txt']);
    await settle();
    h.store.getState().requestFileDetails(['a.txt', 'b.txt']);
    await settle();
    expect(h.api.calls.filter((c) => c.path.startsWith('/api/fileinfo'))).toHaveLength(2);
    expect(h.store.getState().files.details['a.txt']?.completeOn).toEqual([1, 2, 3]);
  });

  it('drops queued detail requests for rows scrolled out of view', async () => {
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    const pending: (() => void)[] = [];
    h.api.on('GET', /^\/api\/fileinfo/, (call) => new Promise((resolve) => pending.push(() => resolve({ ...fileItem(call.path.split('name=')[1] ?? ''), chunks: [], completeOn: [1, 2, 3] }))));
    const names = (from: number) => Array.from({ length: 20 }, (_, i) => `f${from + i}`);
    h.store.getState().requestFileDetails(names(0));
    h.store.getState().requestFileDetails(names(5000));
    for (const answer of pending.splice(0)) answer();
    await settle();
    const asked = h.api.calls.filter((c) => c.path.startsWith('/api/fileinfo')).map((c) => c.path.split('name=')[1]);
    expect(asked).toEqual(['f0', 'f1', 'f2', 'f3', 'f5000', 'f5001', 'f5002', 'f5003']);
  });

  it('re-reads shown files that are not complete everywhere as snapshots arrive, at most every 2 s', async () => {
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    let completeOn = [1, 2];
    h.api.on('GET', /^\/api\/fileinfo/, () => ({ ...fileItem('a.txt'), chunks: [], completeOn }));
    h.store.setState((s) => ({ files: { ...s.files, items: [fileItem('a.txt')], loadedOnce: true } }));
    h.store.getState().requestFileDetails(['a.txt']);
    await settle();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    await settle();
    expect(h.api.calls.filter((c) => c.path.startsWith('/api/fileinfo'))).toHaveLength(1);
    completeOn = [1, 2, 3];
    h.clock.now += 2000;
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    await settle();
    expect(h.store.getState().files.details['a.txt']?.completeOn).toEqual([1, 2, 3]);
    h.clock.now += 2000;
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    await settle();
    expect(h.api.calls.filter((c) => c.path.startsWith('/api/fileinfo'))).toHaveLength(2);
  });

  it('locks with a token, unlocks with it, and deletes', async () => {
    h.api.on('GET', /^\/api\/files/, () => ({ items: [fileItem('a.txt')], nextCursor: null }));
    h.api.on('POST', /^\/api\/locks\/a\.txt$/, () => ({
      name: 'a.txt',
      owner: 'DFS Desktop',
      acquiredAt: '2026-11-26T14:00:00.000Z',
      expiresAt: '2026-11-26T14:00:30.000Z',
      token: 'tok-1',
    }));
    await h.store.getState().loadFiles();
    await h.store.getState().lockFile('a.txt');
    expect(h.store.getState().files.heldLocks).toEqual({ 'a.txt': 'tok-1' });
    expect(h.store.getState().files.items[0]?.lock?.owner).toBe('DFS Desktop');

    await h.store.getState().unlockFile('a.txt');
    const unlock = h.api.calls.at(-1);
    expect(unlock).toMatchObject({ method: 'DELETE', path: '/api/locks/a.txt' });
    expect(unlock?.options?.headers).toEqual({ 'X-Lock-Token': 'tok-1' });
    expect(h.store.getState().files.items[0]?.lock).toBeUndefined();

    await h.store.getState().deleteFile('a.txt');
    expect(h.api.called('DELETE', '/api/files/a.txt')).toBe(true);
    expect(h.store.getState().files.items).toEqual([]);
  });

  it('keeps a held lock by renewing it halfway through each lease, and says when it is lost', async () => {
    vi.useFakeTimers();
    const lease = (from: string, to: string) => ({ name: 'a.txt', owner: 'DFS Desktop', acquiredAt: from, expiresAt: to });
    h.api.on('POST', /^\/api\/locks\/a\.txt$/, () => ({ ...lease('2026-11-26T14:00:00.000Z', '2026-11-26T14:00:30.000Z'), token: 'tok-1' }));
    h.api.on('PUT', /^\/api\/locks\/a\.txt$/, () => lease('2026-11-26T14:00:15.000Z', '2026-11-26T14:00:45.000Z'));
    h.store.setState((s) => ({ files: { ...s.files, items: [fileItem('a.txt')], loadedOnce: true } }));
    await h.store.getState().lockFile('a.txt');
    await vi.advanceTimersByTimeAsync(14_000);
    expect(h.api.calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.api.calls.filter((c) => c.method === 'PUT').map((c) => c.options?.headers)).toEqual([{ 'X-Lock-Token': 'tok-1' }]);
    expect(h.store.getState().files.items[0]?.lock?.expiresAt).toBe('2026-11-26T14:00:45.000Z');

    h.api.on('PUT', /^\/api\/locks\/a\.txt$/, () => failWith('lock_token_invalid', 'the lock on a.txt expired', 409));
    await vi.advanceTimersByTimeAsync(15_000);
    expect(h.store.getState().files.heldLocks).toEqual({});
    expect(h.store.getState().files.items[0]?.lock).toBeUndefined();
    expect(h.store.getState().files.actionFailure?.what).toBe('keep the lock on a.txt');
  });

  it('deletes a file it holds the lock of with its lock token', async () => {
    h.api.on('POST', /^\/api\/locks/, () => ({ name: 'a.txt', owner: 'x', acquiredAt: '2026-11-26T14:00:00.000Z', expiresAt: '2026-11-26T14:00:30.000Z', token: 'tok-9' }));
    await h.store.getState().lockFile('a.txt');
    await h.store.getState().deleteFile('a.txt');
    expect(h.api.calls.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/files/a.txt', options: { headers: { 'X-Lock-Token': 'tok-9' } } });
    expect(h.store.getState().files.heldLocks).toEqual({});
  });

  it('stops renewing a lock once it is released', async () => {
    vi.useFakeTimers();
    h.api.on('POST', /^\/api\/locks/, () => ({ name: 'a.txt', owner: 'x', acquiredAt: '2026-11-26T14:00:00.000Z', expiresAt: '2026-11-26T14:00:30.000Z', token: 't' }));
    await h.store.getState().lockFile('a.txt');
    await h.store.getState().unlockFile('a.txt');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.api.calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
  });

  it('reports a failed file action', async () => {
    h.api.on('DELETE', /^\/api\/files/, () => failWith('locked', 'a.txt is locked by alice', 423));
    await h.store.getState().deleteFile('a.txt');
    expect(h.store.getState().files.actionFailure?.message).toBe('File is locked. a.txt is locked by alice. Try again when the lock expires, or ask its holder to release it.');
  });

  it('reloads the listing shortly after a change on the cluster', async () => {
    vi.useFakeTimers();
    let version = 1;
    h.api.on('GET', /^\/api\/files/, () => ({ items: [fileItem('a.txt', { version })], nextCursor: null }));
    await h.store.getState().loadFiles();
    version = 2;
    h.store.getState().noteFilesChanged();
    h.store.getState().noteFilesChanged();
    await vi.advanceTimersByTimeAsync(400);
    expect(h.api.calls.filter((c) => c.path.startsWith('/api/files'))).toHaveLength(2);
    expect(h.store.getState().files.items[0]?.version).toBe(2);
  });

  it('builds download links with the encoded name', () => {
    expect(h.store.getState().downloadUrl('docs/a b.txt')).toBe('/api/files/docs%2Fa%20b.txt');
  });
});
