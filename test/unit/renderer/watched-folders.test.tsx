// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { WatchedFolder } from '../../../node-runtime/common/manager-api';
import { App } from '../../../renderer/src/App';
import { StorageView } from '../../../renderer/src/views/storage/StorageView';
import { WatchedFolders } from '../../../renderer/src/views/files/WatchedFolders';
import { healthyCluster } from './fixtures';
import { FakeDesktop, commandsSent, failWith, harness, settle } from './fake-deps';
import { renderWithStore } from './render';

function folder(patch: Partial<WatchedFolder> = {}): WatchedFolder {
  return {
    id: 'f-1',
    path: '/home/ada/Photos',
    remotePrefix: 'Photos/',
    state: 'syncing',
    pendingFiles: 3,
    waitingForLeader: 0,
    syncedFiles: 120,
    failedFiles: 1,
    uploading: ['2024/beach.jpg'],
    lastSyncedAt: Date.UTC(2026, 10, 26, 14, 0, 0),
    lastProblem: { file: 'huge.iso', error: 'quota_exceeded', detail: 'the cluster quota is full', at: Date.UTC(2026, 10, 26, 13, 59, 0) },
    skippedFiles: 1,
    failures: [{ file: 'huge.iso', error: 'quota_exceeded', detail: 'the cluster quota is full', at: Date.UTC(2026, 10, 26, 13, 59, 0) }],
    skipped: [{ path: 'escape', reason: 'a link to something outside the watched folder' }],
    scanning: false,
    lastScan: { finishedAt: Date.UTC(2026, 10, 26, 13, 58, 0), durationMs: 120, files: 124, hashed: 0 },
    deletePolicy: 'upload-only',
    ignorePatterns: ['*.swp'],
    rescanIntervalSec: 600,
    ...patch,
  };
}

const open = () => fireEvent.click(screen.getByText(/^Watched folders/));

describe('watched folders in web mode', () => {
  it('show what the manager streams: state, counts, what is uploading and the last problem', () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'watchedFolders', data: [folder()] });
    renderWithStore(<WatchedFolders />, h.store);
    open();
    const row = within(screen.getByRole('list', { name: 'Watched folders' })).getByRole('listitem', { name: '/home/ada/Photos' });
    expect(within(row).getByText('Syncing')).toBeTruthy();
    expect(within(row).getByText(/120 synced · 3 pending · 1 failed · 1 skipped/)).toBeTruthy();
    expect(within(row).getByText('Uploading 2024/beach.jpg')).toBeTruthy();
    const problems = within(row).getByRole('list', { name: 'Problems in /home/ada/Photos' });
    expect(within(problems).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'huge.iso: Quota exceeded. The cluster quota is full. Delete files or raise the storage quota in Configuration.',
      'escape: skipped, a link to something outside the watched folder',
    ]);
    expect((within(row).getByRole('combobox', { name: 'Deletes in /home/ada/Photos' }) as HTMLSelectElement).value).toBe('upload-only');
    expect(within(row).queryByRole('button', { name: 'Show in folder' })).toBeNull();
  });

  it('say "waiting for a leader", not a problem, while uploads wait through an election', () => {
    const h = harness();
    const calm = folder({ lastProblem: null, failures: [], failedFiles: 0, skipped: [], skippedFiles: 0 });
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    h.store.getState().handleEvent({ type: 'watchedFolders', data: [{ ...calm, waitingForLeader: 2 }] });
    renderWithStore(<WatchedFolders />, h.store);
    open();
    const row = () => within(screen.getByRole('list', { name: 'Watched folders' })).getByRole('listitem', { name: '/home/ada/Photos' });
    // Two tries found no leader: the manager sends them again by itself.
    expect(within(row()).getByText('Waiting for a leader')).toBeTruthy();
    expect(within(row()).getByRole('status').textContent).toBe('Waiting for a leader: 2 files go to the cluster by themselves once one is elected.');
    expect(row().querySelector('.error-text, .pill-bad')).toBeNull();
    // The cluster has no leader now: the folder's uploads in flight wait at the node.
    act(() => {
      h.store.getState().handleEvent({ type: 'watchedFolders', data: [calm] });
      h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster({ leaderId: null, health: 'electing' }) });
    });
    expect(within(row()).getByRole('status').textContent).toBe('Waiting for a leader: 3 files go to the cluster by themselves once one is elected.');
    // A leader again, nothing waiting: syncing as before.
    act(() => h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() }));
    expect(within(row()).getByText('Syncing')).toBeTruthy();
    expect(within(row()).queryByText(/Waiting for a leader/)).toBeNull();
  });

  it('change what a delete does, and rescan on request', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'watchedFolders', data: [folder()] });
    h.api.on('PATCH', /^\/api\/watched-folders\/f-1$/, () => folder({ deletePolicy: 'mirror' }));
    h.api.on('POST', /^\/api\/watched-folders\/f-1\/rescan$/, () => ({ ok: true }));
    renderWithStore(<WatchedFolders />, h.store);
    open();
    fireEvent.change(screen.getByRole('combobox', { name: 'Deletes in /home/ada/Photos' }), { target: { value: 'mirror' } });
    await act(settle);
    expect(h.api.calls.at(-1)?.options?.body).toEqual({ deletePolicy: 'mirror' });
    expect((screen.getByRole('combobox', { name: 'Deletes in /home/ada/Photos' }) as HTMLSelectElement).value).toBe('mirror');
    fireEvent.click(screen.getByRole('button', { name: 'Rescan' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['PATCH /api/watched-folders/f-1', 'POST /api/watched-folders/f-1/rescan']);
  });

  it('change how often the folder is fully scanned', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'watchedFolders', data: [folder()] });
    h.api.on('PATCH', /^\/api\/watched-folders\/f-1$/, () => folder({ rescanIntervalSec: 3600 }));
    renderWithStore(<WatchedFolders />, h.store);
    open();
    const interval = screen.getByRole('combobox', { name: 'Full scans of /home/ada/Photos' }) as HTMLSelectElement;
    expect(interval.value).toBe('600');
    fireEvent.change(interval, { target: { value: '3600' } });
    await act(settle);
    expect(h.api.calls.at(-1)).toMatchObject({ method: 'PATCH', path: '/api/watched-folders/f-1', options: { body: { rescanIntervalSec: 3600 } } });
    expect((screen.getByRole('combobox', { name: 'Full scans of /home/ada/Photos' }) as HTMLSelectElement).value).toBe('3600');
  });

  it('offer to keep a folder that is now on another drive as it is, warning when deletes are mirrored', async () => {
    const h = harness();
    const onOtherDrive = folder({
      state: 'paused',
      deletePolicy: 'mirror',
      lastProblem: { file: null, error: 'folder_on_other_drive', detail: '/home/ada/Photos is on another drive than before', at: Date.UTC(2026, 10, 26, 14, 0, 0) },
    });
    h.store.getState().handleEvent({ type: 'watchedFolders', data: [onOtherDrive, folder({ id: 'f-2', path: '/srv/in', state: 'paused' })] });
    h.api.on('POST', /^\/api\/watched-folders\/f-1\/resume$/, () => folder({ state: 'scanning', deletePolicy: 'mirror', lastProblem: null }));
    renderWithStore(<WatchedFolders />, h.store);
    open();
    const rows = within(screen.getByRole('list', { name: 'Watched folders' }));
    const row = within(rows.getByRole('listitem', { name: '/home/ada/Photos' }));
    expect(row.getByText(/keeping the folder as it is now deletes from the cluster every file it no longer holds/)).toBeTruthy();
    // Paused for another reason (gone): it resumes by itself, so there is nothing to press.
    expect(within(rows.getByRole('listitem', { name: '/srv/in' })).queryByRole('button', { name: 'Keep the folder as it is now' })).toBeNull();
    fireEvent.click(row.getByRole('button', { name: 'Keep the folder as it is now' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['POST /api/watched-folders/f-1/resume']);
    expect(row.getByText('Scanning')).toBeTruthy();
    expect(row.queryByRole('button', { name: 'Keep the folder as it is now' })).toBeNull();
  });

  it('edit the ignore patterns, one per line', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'watchedFolders', data: [folder()] });
    h.api.on('PATCH', /^\/api\/watched-folders\/f-1$/, () => folder({ ignorePatterns: ['*.swp', 'logs/'] }));
    renderWithStore(<WatchedFolders />, h.store);
    open();
    const save = screen.getByRole('button', { name: 'Save patterns' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.change(screen.getByRole('textbox', { name: 'Ignore patterns for /home/ada/Photos' }), { target: { value: '*.swp\n\n  logs/ \n' } });
    fireEvent.click(save);
    await act(settle);
    expect(h.api.calls.at(-1)).toMatchObject({ method: 'PATCH', path: '/api/watched-folders/f-1', options: { body: { ignorePatterns: ['*.swp', 'logs/'] } } });
    expect(screen.getByText('Ignored names (2 patterns)')).toBeTruthy();
  });

  it('watch a typed path and stop watching', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'watchedFolders', data: [] });
    h.api.on('POST', /^\/api\/watched-folders$/, () => folder({ id: 'f-2', path: '/srv/in', state: 'scanning' }));
    renderWithStore(<WatchedFolders />, h.store);
    open();
    fireEvent.change(screen.getByLabelText('Folder on the manager’s machine'), { target: { value: '/srv/in' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Deletes in the new folder' }), { target: { value: 'mirror' } });
    fireEvent.click(screen.getByRole('button', { name: 'Watch' }));
    await act(settle);
    expect(h.api.calls.at(-1)?.options?.body).toEqual({ path: '/srv/in', deletePolicy: 'mirror' });
    expect(screen.getByText('Scanning')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Stop watching /srv/in' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['POST /api/watched-folders', 'DELETE /api/watched-folders/f-2']);
    expect(screen.queryByRole('list', { name: 'Watched folders' })).toBeNull();
  });

  it('say why a folder could not be watched', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'watchedFolders', data: [] });
    h.api.on('POST', /^\/api\/watched-folders$/, () => failWith('bad_request', '"srv" is not an absolute path'));
    renderWithStore(<WatchedFolders />, h.store);
    open();
    fireEvent.change(screen.getByLabelText('Folder on the manager’s machine'), { target: { value: 'srv' } });
    fireEvent.click(screen.getByRole('button', { name: 'Watch' }));
    await act(settle);
    expect(screen.getByRole('alert').textContent).toBe('Bad request. "srv" is not an absolute path.');
  });

  it('stay hidden when the manager does not keep them and there is no app', () => {
    const h = harness();
    renderWithStore(<WatchedFolders />, h.store);
    expect(screen.queryByText(/^Watched folders/)).toBeNull();
  });
});

describe('in the desktop app', () => {
  it('folders are chosen with the native picker and shown in the file manager', async () => {
    const desktop = new FakeDesktop();
    desktop.chosen = folder({ id: 'f-9', path: '/Users/ada/Docs', state: 'scanning' });
    const h = harness({ desktop });
    h.api.on('PATCH', /^\/api\/watched-folders\/f-9$/, () => folder({ id: 'f-9', path: '/Users/ada/Docs', state: 'scanning', deletePolicy: 'mirror' }));
    renderWithStore(<WatchedFolders />, h.store);
    open();
    expect(screen.queryByLabelText('Folder on the manager’s machine')).toBeNull();
    fireEvent.change(screen.getByRole('combobox', { name: 'Deletes in the new folder' }), { target: { value: 'mirror' } });
    fireEvent.click(screen.getByRole('button', { name: 'Watch a folder…' }));
    await act(settle);
    expect(screen.getByText('/Users/ada/Docs')).toBeTruthy();
    // The picker adds with the default; the chosen policy follows at once.
    expect(commandsSent(h)).toEqual(['PATCH /api/watched-folders/f-9']);
    expect((screen.getByRole('combobox', { name: 'Deletes in /Users/ada/Docs' }) as HTMLSelectElement).value).toBe('mirror');
    fireEvent.click(screen.getByRole('button', { name: 'Show in folder' }));
    expect(desktop.revealed).toEqual(['f-9']);
  });

  it('the data folder opens from the Storage view', () => {
    const desktop = new FakeDesktop();
    const h = harness({ desktop });
    renderWithStore(<StorageView />, h.store);
    fireEvent.click(screen.getByRole('button', { name: 'Open data folder' }));
    expect(desktop.dataFolderOpened).toBe(1);
  });

  it('the menu’s "Attach to cluster" opens the attach form on the Overview', async () => {
    const desktop = new FakeDesktop();
    const h = harness({ desktop });
    h.api.on('GET', /^\/api\/profiles$/, () => ({ active: 'local', profiles: [{ name: 'local', kind: 'local', nodes: [], hasSecret: true }] }));
    h.store.getState().connect();
    h.events.emit({ type: 'snapshot', data: healthyCluster() });
    await settle();
    h.store.getState().setTab('logs');
    renderWithStore(<App />, h.store);
    act(() => desktop.menu('attach-cluster'));
    expect(screen.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true');
    expect(screen.getByText('Attach to a cluster running elsewhere…').closest('details')?.open).toBe(true);
    h.store.getState().disconnect();
  });
});
