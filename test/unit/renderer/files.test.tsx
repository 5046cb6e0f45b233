// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { FileListItem } from '../../../node-runtime/common/api-types';
import { App } from '../../../renderer/src/App';
import type { TestHarness } from './fake-deps';
import { CopyButton } from '../../../renderer/src/views/files/CopyButton';
import { FilesView } from '../../../renderer/src/views/files/FilesView';
import { MAX_UPLOAD_ROWS, UploadQueue } from '../../../renderer/src/views/files/UploadQueue';
import { fileItem, healthyCluster, node } from './fixtures';
import { commandsSent, harness, settle } from './fake-deps';
import { renderWithStore } from './render';

function withFiles(h: TestHarness, items: FileListItem[]) {
  h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
  h.store.setState((s) => ({ files: { ...s.files, items, loadedOnce: true } }));
}

describe('Files', () => {
  // Builds 100,000 rows' data in jsdom: about 1 s on a quiet machine, 7.6 s once at load 24 (a CI
  // rehearsal beside two helpers' benchmarks), past the 5 s default. What it checks is which rows
  // exist, not how fast; speed lives in the e2e many-files test and bench/.
  it('renders only the visible rows of 100,000 files, and follows scrolling', { timeout: 30_000 }, () => {
    const h = harness();
    withFiles(h, Array.from({ length: 100_000 }, (_, i) => fileItem(`file-${String(i).padStart(6, '0')}.bin`)));
    renderWithStore(<FilesView />, h.store);
    const table = screen.getByRole('table', { name: 'Files' });
    expect(table.getAttribute('aria-rowcount')).toBe('100001');
    const rows = within(table).getAllByRole('row');
    expect(rows.length).toBeLessThan(40);
    expect(screen.getByRole('row', { name: 'file-000000.bin' })).toBeTruthy();
    expect(screen.queryByRole('row', { name: 'file-050000.bin' })).toBeNull();

    const body = within(table).getAllByRole('rowgroup')[1]!;
    body.scrollTop = 50_000 * 36;
    fireEvent.scroll(body);
    expect(screen.getByRole('row', { name: 'file-050000.bin' })).toBeTruthy();
    expect(screen.queryByRole('row', { name: 'file-000000.bin' })).toBeNull();
    expect(within(table).getAllByRole('row').length).toBeLessThan(40);
  });

  it('shows size, version, replication and lock status per file, and its actions', async () => {
    const h = harness();
    withFiles(h, [
      fileItem('docs/report.pdf', { size: 5 * 1024 * 1024, version: 12 }),
      fileItem('locked.txt', { lock: { name: 'locked.txt', owner: 'alice', acquiredAt: '2026-11-26T14:00:00.000Z', expiresAt: '2026-11-26T14:05:00.000Z' } }),
    ]);
    h.store.setState((s) => ({
      files: { ...s.files, details: { 'docs/report.pdf': { ...fileItem('docs/report.pdf', { version: 12 }), chunks: [], completeOn: [1, 2] } } },
    }));
    renderWithStore(<FilesView />, h.store);
    const row = screen.getByRole('row', { name: 'docs/report.pdf' });
    expect(within(row).getByText('5.00 MiB')).toBeTruthy();
    expect(within(row).getByText('v12')).toBeTruthy();
    expect(within(row).getByRole('img', { name: 'Complete on 2 of 3 nodes (node 1, 2)' })).toBeTruthy();
    expect(within(row).getByRole('link', { name: 'Download docs/report.pdf' }).getAttribute('href')).toBe('/api/files/docs%2Freport.pdf');
    expect(within(screen.getByRole('row', { name: 'locked.txt' })).getByText('Locked')).toBeTruthy();

    fireEvent.click(within(row).getByRole('button', { name: 'Delete docs/report.pdf' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Confirm delete docs/report.pdf' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['DELETE /api/files/docs%2Freport.pdf']);
  });

  it('shows a small file stored inline as held with its record on each node, not as an empty file', async () => {
    const h = harness();
    withFiles(h, [fileItem('note.txt', { size: 12 })]);
    h.api.on('GET', /^\/api\/fileinfo\?name=note\.txt$/, () => ({ ...fileItem('note.txt', { size: 12 }), chunks: [], completeOn: [1, 2], replicas: [{ node: 1, missing: [] }, { node: 2, missing: null }] }));
    renderWithStore(<FilesView />, h.store);
    fireEvent.click(screen.getByRole('button', { name: 'Details of note.txt' }));
    await act(settle);
    const map = within(screen.getByRole('dialog', { name: 'Details of note.txt' })).getByRole('table', { name: 'Replicas by node and chunk' });
    expect(within(map).getAllByRole('row').map((r) => r.getAttribute('aria-label'))).toEqual(['Node 1: stored inline with its record (a small file, no chunks)', 'Node 2: did not answer']);
  });

  it("gives an attached HTTPS cluster with a token a curl line that works as pasted, never showing the token", async () => {
    const h = harness();
    withFiles(h, [fileItem('report.pdf')]);
    const nodes = [1, 2, 3].map((id) => node(id, { httpUrl: `https://10.0.0.${id}:8081` }));
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster({ nodes }) });
    const office = { name: 'office', kind: 'attach', nodes: nodes.map(({ id, httpUrl }) => ({ id, httpUrl })), hasSecret: false, hasToken: true, hasCa: true };
    h.api.on('GET', /^\/api\/profiles$/, () => ({ active: 'office', profiles: [office] }));
    await act(() => h.store.getState().loadProfiles());
    h.api.on('GET', /^\/api\/fileinfo\?name=report\.pdf$/, () => ({ ...fileItem('report.pdf'), chunks: [], completeOn: [1, 2, 3], replicas: [] }));
    renderWithStore(<FilesView />, h.store);
    fireEvent.click(screen.getByRole('button', { name: 'Details of report.pdf' }));
    await act(settle);
    const drawer = screen.getByRole('dialog', { name: 'Details of report.pdf' });
    expect(within(drawer).getByText(/^curl -fo 'report\.pdf' -H "Authorization: Bearer \$DFS_API_TOKEN" --cacert ca\.pem 'https:\/\/10\.0\.0\.\d:8081\/download\?name=report\.pdf'$/)).toBeTruthy();
    expect(within(drawer).getByText(/Set DFS_API_TOKEN to the cluster's client token, and save the CA certificate/)).toBeTruthy();
  });

  it('opens a details drawer on a click: SHA-256, replica map per node and chunk, lock actions, curl line, preview', async () => {
    const h = harness();
    const sha = 'b'.repeat(64);
    withFiles(h, [fileItem('notes/todo.txt', { sha256: sha, size: 12, version: 3 }), fileItem('locked.txt', { lock: { name: 'locked.txt', owner: 'alice', acquiredAt: '2026-11-26T14:00:00.000Z', expiresAt: '2026-11-26T14:05:00.000Z' } })]);
    const chunks = [{ hash: 'c'.repeat(64), size: 8 }, { hash: 'd'.repeat(64), size: 4 }];
    h.api.on('GET', /^\/api\/fileinfo\?name=notes%2Ftodo\.txt$/, () => ({
      ...fileItem('notes/todo.txt', { sha256: sha, size: 12, version: 3 }),
      chunks,
      completeOn: [1],
      replicas: [{ node: 1, missing: [] }, { node: 2, missing: [1] }, { node: 3, missing: null }],
    }));
    h.api.on('GET', /^\/api\/files\/notes%2Ftodo\.txt$/, () => 'buy milk\n');
    renderWithStore(<FilesView />, h.store);
    fireEvent.click(screen.getByRole('button', { name: 'Details of notes/todo.txt' }));
    await act(settle);
    const drawer = screen.getByRole('dialog', { name: 'Details of notes/todo.txt' });
    expect(within(drawer).getByLabelText('SHA-256').textContent).toBe(sha);
    expect(within(drawer).getByRole('button', { name: 'Copy the SHA-256' })).toBeTruthy();
    expect(within(drawer).getByText('v3')).toBeTruthy();
    const map = within(drawer).getByRole('table', { name: 'Replicas by node and chunk' });
    expect(within(map).getAllByRole('row').map((r) => r.getAttribute('aria-label'))).toEqual([
      'Node 1: all 2 chunks',
      'Node 2: missing 1 of 2 (repaired from a peer when recovery is on)',
      'Node 3: did not answer',
    ]);
    expect(within(drawer).getByText(/^curl -fo 'todo\.txt' 'http:\/\/127\.0\.0\.1:\d+\/download\?name=notes%2Ftodo\.txt'$/)).toBeTruthy();
    await waitFor(() => expect(within(drawer).getByLabelText('Start of notes/todo.txt').textContent).toBe('buy milk\n'));
    expect(within(within(drawer).getByRole('table', { name: 'Chunks' })).getAllByRole('row')).toHaveLength(3);

    fireEvent.click(within(drawer).getByRole('button', { name: 'Lock notes/todo.txt' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['POST /api/locks/notes%2Ftodo.txt']);
    // A node catching up with recovery on is fetching what it lacks: repairing, not just missing.
    act(() => h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster({ nodes: [node(1), node(2, { recovery: { catchingUp: true } }), node(3)] }) }));
    expect(within(map).getAllByRole('row')[1]?.getAttribute('aria-label')).toBe('Node 2: repairing: 1 of 2 still to fetch');
    fireEvent.keyDown(drawer, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Details of locked.txt' }));
    const other = screen.getByRole('dialog', { name: 'Details of locked.txt' });
    expect((within(other).getByRole('button', { name: 'Unlock locked.txt' }) as HTMLButtonElement).disabled).toBe(true);
    expect(within(other).getByText(/^Held by alice until /)).toBeTruthy();
  });

  it('says a refused copy in plain words and what to do instead', async () => {
    // The clipboard refuses without focus or a secure context; happy-dom's own always succeeds.
    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new DOMException('Document is not focused.', 'NotAllowedError'));
    try {
      renderWithStore(<CopyButton text="abc" label="Copy the SHA-256" />, harness().store);
      fireEvent.click(screen.getByRole('button', { name: 'Copy the SHA-256' }));
      await waitFor(() => expect(screen.getByRole('button', { name: 'Copy the SHA-256' }).textContent).toBe('Not copied: select the text and copy it'));
    } finally {
      writeText.mockRestore();
    }
  });

  it('asks the store for details of visible rows, and narrows what is loaded by name at once', async () => {
    const h = harness();
    withFiles(h, [fileItem('a.txt'), fileItem('b.txt')]);
    renderWithStore(<FilesView />, h.store);
    await act(settle);
    expect(h.api.calls.filter((c) => c.path.startsWith('/api/fileinfo')).map((c) => c.path)).toEqual(['/api/fileinfo?name=a.txt', '/api/fileinfo?name=b.txt']);
    fireEvent.change(screen.getByLabelText('Search all folders by file name'), { target: { value: 'B' } });
    expect(screen.queryByRole('row', { name: 'a.txt' })).toBeNull();
    expect(screen.getByRole('row', { name: 'b.txt' })).toBeTruthy();
  });

  it('searches every folder on the server after a pause, shows each hit’s folder, and opens a hit’s details', async () => {
    const h = harness();
    withFiles(h, [fileItem('a.txt')]);
    h.store.setState((s) => ({ files: { ...s.files, prefix: 'photos/', folders: ['photos/2024/'] } }));
    const hits = [fileItem('docs/annual-report.pdf'), fileItem('Report.txt'), fileItem('docs/sub/old-report', { sha256: 'ab'.repeat(32) })];
    // The node's search pages by names looked at: a first page may hold few hits, or none.
    h.api.on('GET', /^\/api\/files\?limit=1000&contains=report$/, () => ({ items: hits.slice(0, 1), nextCursor: 'docs/b' }));
    h.api.on('GET', /^\/api\/files\?limit=1000&contains=report&cursor=docs%2Fb$/, () => ({ items: hits.slice(1), nextCursor: null }));
    h.api.on('GET', /^\/api\/fileinfo\?name=docs%2Fsub%2Fold-report$/, () => ({ ...fileItem('docs/sub/old-report', { sha256: 'ab'.repeat(32) }), chunks: [], completeOn: [1, 2, 3] }));
    renderWithStore(<FilesView />, h.store);
    const search = screen.getByLabelText('Search all folders by file name');
    fireEvent.change(search, { target: { value: 'rep' } });
    fireEvent.change(search, { target: { value: 'report ' } });
    await waitFor(() => expect(screen.getByRole('status', { name: '' }).textContent).toBe('3 files found in all folders'));
    // One search for what was typed last (trimmed), none for the keystrokes before the pause.
    expect(h.api.calls.map((c) => c.path).filter((p) => p.startsWith('/api/files?'))).toEqual(['/api/files?limit=1000&contains=report', '/api/files?limit=1000&contains=report&cursor=docs%2Fb']);
    const names = screen.getAllByRole('row').slice(1).map((r) => r.getAttribute('aria-label'));
    expect(names).toEqual(['docs/annual-report.pdf', 'docs/sub/old-report', 'Report.txt']);
    expect(within(screen.getByRole('row', { name: 'docs/sub/old-report' })).getByText('in docs/sub/')).toBeTruthy();
    expect(within(screen.getByRole('row', { name: 'Report.txt' })).getByText('in the top level')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Details of docs/sub/old-report' }));
    const drawer = screen.getByRole('dialog', { name: 'Details of docs/sub/old-report' });
    await waitFor(() => expect(within(drawer).getByLabelText('SHA-256').textContent).toBe('ab'.repeat(32)));

    h.api.on('GET', /^\/api\/files\?limit=1000&contains=zzz$/, () => ({ items: [], nextCursor: null }));
    fireEvent.change(search, { target: { value: 'zzz' } });
    await waitFor(() => expect(screen.getByText('No file name in any folder contains “zzz”.')).toBeTruthy());
    // Clearing the search lists the open folder again.
    h.api.on('GET', /^\/api\/files\?limit=1000&delimiter=%2F&prefix=photos%2F$/, () => ({ items: [fileItem('photos/x.jpg')], folders: ['photos/2024/'], nextCursor: null }));
    fireEvent.change(search, { target: { value: '' } });
    await waitFor(() => expect(screen.getByRole('row', { name: 'photos/x.jpg' })).toBeTruthy());
    expect(screen.queryByText(/in photos\//)).toBeNull();
  });

  it('sorts by a column header, folders first, and says which way in aria-sort', () => {
    const h = harness();
    withFiles(h, [fileItem('small.bin', { size: 1 }), fileItem('big.bin', { size: 900 }), fileItem('mid.bin', { size: 50 })]);
    h.store.setState((s) => ({ files: { ...s.files, folders: ['zeta/'] } }));
    renderWithStore(<FilesView />, h.store);
    const names = () => screen.getAllByRole('row').slice(1).map((r) => r.getAttribute('aria-label'));
    expect(names()).toEqual(['Folder zeta/', 'big.bin', 'mid.bin', 'small.bin']);
    fireEvent.click(screen.getByRole('button', { name: 'Size' }));
    expect(names()).toEqual(['Folder zeta/', 'big.bin', 'mid.bin', 'small.bin']);
    expect(screen.getByRole('columnheader', { name: /Size/ }).getAttribute('aria-sort')).toBe('descending');
    fireEvent.click(screen.getByRole('button', { name: 'Size' }));
    expect(names()).toEqual(['Folder zeta/', 'small.bin', 'mid.bin', 'big.bin']);
    fireEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(names()).toEqual(['Folder zeta/', 'big.bin', 'mid.bin', 'small.bin']);
    expect(screen.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('ascending');
  });

  it('sorts by replicas as the rows show them, rows not yet known last, and by lock, locked first', () => {
    const h = harness();
    const lock = (owner: string, expiresAt: string) => ({ name: '', owner, acquiredAt: '2026-11-26T13:00:00.000Z', expiresAt });
    withFiles(h, [
      fileItem('one.bin', { lock: lock('alice', '2026-11-26T14:10:00.000Z') }),
      fileItem('three.bin'),
      fileItem('unknown.bin', { lock: lock('bob', '2026-11-26T14:05:00.000Z') }),
      fileItem('two.bin'),
    ]);
    const info = (name: string, completeOn: number[]) => ({ ...fileItem(name), chunks: [], completeOn });
    h.store.setState((s) => ({ files: { ...s.files, details: { 'one.bin': info('one.bin', [2]), 'two.bin': info('two.bin', [1, 3]), 'three.bin': info('three.bin', [1, 2, 3]) } } }));
    renderWithStore(<FilesView />, h.store);
    const names = () => screen.getAllByRole('row').slice(1).map((r) => r.getAttribute('aria-label'));
    const header = (name: RegExp) => screen.getByRole('button', { name });
    // Fewest copies first: a look at replicas is a look for files short of them.
    fireEvent.click(header(/^Replicas/));
    expect(names()).toEqual(['one.bin', 'two.bin', 'three.bin', 'unknown.bin']);
    expect(screen.getByRole('columnheader', { name: /Replicas/ }).getAttribute('aria-sort')).toBe('ascending');
    fireEvent.click(header(/^Replicas/));
    expect(names()).toEqual(['three.bin', 'two.bin', 'one.bin', 'unknown.bin']);
    fireEvent.click(header(/^Replicas/));
    expect(names()).toEqual(['one.bin', 'two.bin', 'three.bin', 'unknown.bin']);
    // A row moves into place once its replica state arrives.
    act(() => h.store.setState((s) => ({ files: { ...s.files, details: { ...s.files.details, 'unknown.bin': info('unknown.bin', []) } } })));
    expect(names()).toEqual(['unknown.bin', 'one.bin', 'two.bin', 'three.bin']);
    // Lock: locked files first, the lock that lasts longest first, then the other way round.
    fireEvent.click(header(/^Lock/));
    expect(names()).toEqual(['one.bin', 'unknown.bin', 'three.bin', 'two.bin']);
    fireEvent.click(header(/^Lock/));
    expect(names()).toEqual(['unknown.bin', 'one.bin', 'three.bin', 'two.bin']);
  });

  it('ticks files one by one or all at once, and deletes the selection after a confirmation', async () => {
    const h = harness();
    withFiles(h, [fileItem('a.txt'), fileItem('b.txt'), fileItem('c.txt')]);
    renderWithStore(<FilesView />, h.store);
    expect(screen.queryByRole('region', { name: 'Selection' })).toBeNull();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select everything shown' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select b.txt' }));
    const bar = screen.getByRole('region', { name: 'Selection' });
    expect(within(bar).getByText('2 files selected')).toBeTruthy();
    expect((screen.getByRole('checkbox', { name: 'Select everything shown' }) as HTMLInputElement).indeterminate).toBe(true);
    fireEvent.click(within(bar).getByRole('button', { name: 'Delete 2 selected files' }));
    fireEvent.click(within(bar).getByRole('button', { name: 'Confirm delete 2 selected files' }));
    await act(settle);
    expect(commandsSent(h).sort()).toEqual(['DELETE /api/files/a.txt', 'DELETE /api/files/c.txt']);
    expect(screen.getAllByRole('row').slice(1).map((r) => r.getAttribute('aria-label'))).toEqual(['b.txt']);
    expect(screen.queryByRole('region', { name: 'Selection' })).toBeNull();
  });

  it('ticks folders too: one file downloads as itself, a folder or several files as one zip the manager names', async () => {
    const h = harness();
    withFiles(h, [fileItem('a.txt'), fileItem('b.txt')]);
    h.store.setState((s) => ({ files: { ...s.files, folders: ['pics/'] } }));
    h.api.on('POST', /^\/api\/archives$/, () => ({ id: 't9', url: '/api/archives/t9', fileName: 'dfs-files.zip', files: 12, totalBytes: 99 }));
    const clicked: { href: string; download: string }[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ href: this.getAttribute('href') ?? '', download: this.getAttribute('download') ?? '(none)' });
    });
    try {
      renderWithStore(<FilesView />, h.store);
      fireEvent.click(screen.getByRole('checkbox', { name: 'Select a.txt' }));
      const bar = screen.getByRole('region', { name: 'Selection' });
      fireEvent.click(within(bar).getByRole('button', { name: 'Download' }));
      expect(clicked).toEqual([{ href: h.api.linkUrl('/api/files/a.txt'), download: 'a.txt' }]);

      fireEvent.click(screen.getByRole('checkbox', { name: 'Select folder pics/' }));
      expect(screen.getByRole('row', { name: 'Folder pics/' }).getAttribute('aria-selected')).toBe('true');
      expect(within(bar).getByText('1 file and 1 folder selected')).toBeTruthy();
      fireEvent.click(within(bar).getByRole('button', { name: 'Download as zip' }));
      await act(settle);
      expect(h.api.calls.find((c) => c.method === 'POST')).toMatchObject({ path: '/api/archives', options: { body: { names: ['a.txt', 'pics/'], base: '' } } });
      expect(clicked.at(-1)).toEqual({ href: '/api/archives/t9', download: '' });
      expect(within(bar).getByRole('button', { name: 'Delete 1 file and 1 folder (every file in the folders too)' })).toBeTruthy();
    } finally {
      click.mockRestore();
    }
  });

  it('steps into a folder and back up through the breadcrumb', () => {
    const h = harness();
    withFiles(h, []);
    h.store.setState((s) => ({ files: { ...s.files, folders: ['photos/'] } }));
    renderWithStore(<FilesView />, h.store);
    fireEvent.click(screen.getByRole('button', { name: 'Open folder photos' }));
    expect(h.store.getState().files.prefix).toBe('photos/');
    act(() => h.store.getState().setFilePrefix('photos/2024/'));
    const crumbs = screen.getByRole('navigation', { name: 'Folder' });
    expect(within(crumbs).getByRole('button', { name: '2024' }).getAttribute('aria-current')).toBe('location');
    fireEvent.click(within(crumbs).getByRole('button', { name: 'photos' }));
    expect(h.store.getState().files.prefix).toBe('photos/');
    fireEvent.click(within(crumbs).getByRole('button', { name: 'All files' }));
    expect(h.store.getState().files.prefix).toBe('');
  });

  it('has an empty state that says how to add files', () => {
    const h = harness();
    withFiles(h, []);
    renderWithStore(<FilesView />, h.store);
    expect(screen.getByText('No files yet.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Choose files…' })).toBeTruthy();
  });
});

// DataTransfer-like objects, as Chromium hands them to a drop handler.
function fileEntry(path: string, content: string) {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return { isFile: true, isDirectory: false, name, fullPath: path, file: (ok: (f: File) => void) => ok(new File([content], name)) };
}

function directoryEntry(path: string, children: unknown[]) {
  return {
    isFile: false,
    isDirectory: true,
    fullPath: path,
    createReader: () => {
      let served = false;
      return {
        readEntries: (ok: (entries: unknown[]) => void) => {
          ok(served ? [] : children);
          served = true;
        },
      };
    },
  };
}

const asItem = (entry: unknown) => ({ kind: 'file', webkitGetAsEntry: () => entry, getAsFile: () => null });

describe('drag and drop', () => {
  it('uploads dropped files and whole folders, named by their path in the folder', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    renderWithStore(<App />, h.store);
    const dataTransfer = {
      types: ['Files'],
      files: [],
      items: [
        asItem(fileEntry('/notes.txt', 'hello')),
        asItem(directoryEntry('/photos', [fileEntry('/photos/a.jpg', 'aaaa'), directoryEntry('/photos/2024', [fileEntry('/photos/2024/b.jpg', 'bb')])])),
      ],
    };
    fireEvent.dragEnter(screen.getByRole('tabpanel'), { dataTransfer });
    expect(screen.getByText('Drop files or folders to upload them to the cluster')).toBeTruthy();
    fireEvent.drop(screen.getByRole('tabpanel'), { dataTransfer });
    await waitFor(() => expect(h.uploads.started.map((u) => u.request.name)).toEqual(['notes.txt', 'photos/a.jpg', 'photos/2024/b.jpg']));
    expect(screen.queryByText('Drop files or folders to upload them to the cluster')).toBeNull();
    expect(within(screen.getByRole('list', { name: 'Upload queue' })).getAllByRole('listitem')).toHaveLength(3);
  });

  it('falls back to DataTransfer.files where entries are not available', async () => {
    const h = harness();
    renderWithStore(<App />, h.store);
    fireEvent.drop(screen.getByRole('tabpanel'), { dataTransfer: { types: ['Files'], items: [], files: [new File(['x'], 'plain.txt')] } });
    await waitFor(() => expect(h.uploads.started.map((u) => u.request.name)).toEqual(['plain.txt']));
  });
});

describe('the upload queue', () => {
  it('shows progress in bytes and percent, and a clear error per failed file', async () => {
    const h = harness();
    renderWithStore(<UploadQueue />, h.store);
    act(() =>
      h.store.getState().enqueueUploads([
        { name: 'video.mp4', file: new File([new Uint8Array(2048)], 'video.mp4') },
        { name: 'huge.iso', file: new File([new Uint8Array(100)], 'huge.iso') },
        { name: 'bad//name', file: new File(['x'], 'bad') },
      ]),
    );
    act(() => h.uploads.started[0]?.request.onProgress(512));
    const bar = screen.getByRole('progressbar', { name: 'Upload video.mp4' });
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
    expect(screen.getByText('512 B / 2.00 KiB · 25%')).toBeTruthy();

    await act(() => h.uploads.started[1]!.finish({ kind: 'failed', code: 'quota_exceeded', detail: 'cluster quota of 1.0 GiB would be exceeded' }));
    expect(screen.getByText('Quota exceeded. Cluster quota of 1.0 GiB would be exceeded. Delete files or raise the storage quota in Configuration.')).toBeTruthy();
    expect(screen.getByText(/^Invalid name\. File name has an empty segment.*\. Rename the file, then try again\.$/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Retry upload of bad//name' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Retry upload of huge.iso' }));
    expect(h.uploads.started).toHaveLength(3);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel upload of video.mp4' }));
    await act(settle);
    expect(h.uploads.started[0]?.aborted).toBe(true);
    await act(() => h.uploads.started[2]!.finish({ kind: 'done' }));
    expect(screen.getByRole('progressbar', { name: 'Upload huge.iso' }).getAttribute('aria-valuenow')).toBe('100');
    fireEvent.click(screen.getByRole('button', { name: 'Clear finished' }));
    expect(within(screen.getByRole('list', { name: 'Upload queue' })).getAllByRole('listitem')).toHaveLength(1);
  });

  it('shows "Waiting for a leader" while the cluster elects one, or after a try found none, instead of failing', async () => {
    const h = harness();
    renderWithStore(<UploadQueue />, h.store);
    act(() => h.store.getState().enqueueUploads([{ name: 'a.bin', file: new File(['abc'], 'a.bin') }, { name: 'b.bin', file: new File(['xyz'], 'b.bin') }]));
    act(() => h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster({ leaderId: null }) }));
    expect(screen.getAllByText('Waiting for a leader…')).toHaveLength(2);
    // The summary line says so too, for a queue folded to that line.
    expect(screen.getByText(/^0 of 2 done · 2 waiting for a leader$/)).toBeTruthy();
    act(() => h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() }));
    expect(screen.queryByText('Waiting for a leader…')).toBeNull();
    await act(() => h.uploads.started[0]!.finish({ kind: 'failed', code: 'no_quorum', detail: 'no leader was elected within the wait for one' }));
    const row = within(screen.getByRole('list', { name: 'Upload queue' })).getByRole('listitem', { name: 'a.bin' });
    expect(within(row).getByText('Waiting for a leader…')).toBeTruthy();
    expect(screen.queryByText(/No quorum/)).toBeNull();
    expect(within(row).getByRole('button', { name: 'Cancel upload of a.bin' })).toBeTruthy();
  });

  it('folds a long queue to its one-line summary, and the toggle unfolds and folds it again', () => {
    const h = harness();
    renderWithStore(<UploadQueue />, h.store);
    act(() => h.store.getState().enqueueUploads(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.txt`, file: new File(['x'], `f${i}.txt`) }))));
    const toggle = screen.getByRole('button', { name: 'Uploads' });
    // More than a few files: only the summary line until asked.
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('list', { name: 'Upload queue' })).toBeNull();
    expect(screen.getByText(/^0 of 5 done/)).toBeTruthy();
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(within(screen.getByRole('list', { name: 'Upload queue' })).getAllByRole('listitem')).toHaveLength(5);
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('list', { name: 'Upload queue' })).toBeNull();
    expect(screen.getByRole('progressbar', { name: 'All uploads' })).toBeTruthy();
  });

  it('lists failures and running uploads first when a dropped folder queues thousands of files', async () => {
    const h = harness();
    renderWithStore(<UploadQueue />, h.store);
    act(() => h.store.getState().enqueueUploads(Array.from({ length: 2000 }, (_, i) => ({ name: `big-folder/f${i}.txt`, file: new File(['x'], `f${i}.txt`) }))));
    await act(() => h.uploads.started[1]!.finish({ kind: 'failed', code: 'quota_exceeded', detail: 'cluster quota of 1.0 GiB would be exceeded' }));
    const rows = within(screen.getByRole('list', { name: 'Upload queue' })).getAllByRole('listitem');
    expect(rows).toHaveLength(MAX_UPLOAD_ROWS);
    expect(rows[0]?.getAttribute('aria-label')).toBe('big-folder/f1.txt');
    expect(screen.getByText('Quota exceeded. Cluster quota of 1.0 GiB would be exceeded. Delete files or raise the storage quota in Configuration.')).toBeTruthy();
    expect(screen.getByText(/^1900 more not listed\.$/)).toBeTruthy();
    expect(screen.getByText(/^0 of 2000 done · 1 failed · 1996 queued/)).toBeTruthy();
  });
});
