// The file browser: one folder level at a time (paged from the manager), or the hits of a name
// search in every folder (paged from the node's `contains` listing), its sort and selection, per-file details with their replication status, and the file actions: delete (one
// or the selection), lock, unlock, download, a preview of the first bytes.
import type { FileInfo, FileList, LockGrant } from '../../../node-runtime/common/api-types';
import type { ArchiveTicket } from '../../../node-runtime/common/manager-api';
import { asRequestError } from '../api/request-error';
import { fileUrl } from '../api/upload';
import { describeFailure } from '../format/error-text';
import { describeSelection, forEachBounded, isFolderPath, keepListed, withTicks } from './file-selection';
import { lockRenewal } from './lock-renewal';
import type { FilesData, FilesSlice, SliceCreator } from './state';

export const FILE_PAGE_SIZE = 1000;
/** Above this many loaded rows a change only marks the listing stale instead of reloading it. */
const AUTO_REFRESH_MAX_ROWS = 5000;
const CHANGE_THROTTLE_MS = 300;
/** Typing pauses this long before the search goes to the server (what is loaded narrows at once). */
const SEARCH_DEBOUNCE_MS = 250;
const DETAIL_CONCURRENCY = 4;
/** While a whole folder loads for sorting, what arrived is shown this often. */
const REST_SHOWN_EVERY_MS = 1000;
const DELETE_CONCURRENCY = 4;
/** Details of a file not yet complete everywhere are re-read at most this often. */
const INCOMPLETE_DETAIL_TTL_MS = 2000;
const LOCK_OWNER = 'DFS Desktop';

const EMPTY_FILES: FilesData = {
  prefix: '',
  items: [],
  folders: [],
  sort: { key: 'name', descending: false },
  filter: '',
  search: '',
  selected: {},
  archive: null,
  openFile: null,
  nextCursor: null,
  status: 'idle',
  error: null,
  loadedOnce: false,
  stale: false,
  details: {},
  listedCopies: null,
  heldLocks: {},
  busy: {},
  actionFailure: null,
};

/**
 * A page of the open folder, or of a search's hits in every folder when `search` is set; with
 * `replicas`, the node also says which members lack which of the page's files.
 */
function listPath(prefix: string, search: string, cursor: string | null, replicas: boolean): string {
  const query = new URLSearchParams({ limit: String(FILE_PAGE_SIZE) });
  if (replicas) query.set('replicas', '1');
  if (search !== '') query.set('contains', search);
  else {
    query.set('delimiter', '/');
    if (prefix !== '') query.set('prefix', prefix);
  }
  if (cursor !== null) query.set('cursor', cursor);
  return `/api/files?${query.toString()}`;
}

/**
 * Sorting by anything but name is only right over the whole folder; a search's hits come in path
 * order and are shown by name, so they are all loaded too.
 */
function needsWholeFolder(files: FilesData): boolean {
  return files.search !== '' || files.sort.key !== 'name';
}

/** The replica sort needs each page's replica summary, which costs the nodes a look at their chunks: asked for only then. */
const wantsReplicas = (files: FilesData): boolean => files.sort.key === 'replicas';

/** Adds a page's replica summary to `copies` (files short of copies, by name); returns the copies of a file it does not name. */
function foldReplicas(copies: Record<string, number>, summary: FileList['replicas']): number | null {
  if (summary === undefined) return null;
  const answered = summary.members.length - summary.unanswered.length;
  for (const [name, lacking] of Object.entries(summary.lacking)) copies[name] = answered - lacking.length;
  return answered;
}

export const createFilesSlice: SliceCreator<FilesSlice> = (set, get, deps) => {
  const request = deps.api.request.bind(deps.api);
  let listing: AbortController | null = null;
  let changeTimer: ReturnType<typeof setTimeout> | null = null;
  let searchTimer: ReturnType<typeof setTimeout> | null = null;
  const detailQueue: string[] = [];
  const detailInFlight = new Set<string>();
  const detailFetchedAt = new Map<string, number>();
  /** The rows last shown, so replication progress can refresh their details. */
  let shownNames: readonly string[] = [];

  const patch = (update: Partial<FilesData> | ((f: FilesData) => Partial<FilesData>)) =>
    set((s) => ({ files: { ...s.files, ...(typeof update === 'function' ? update(s.files) : update) } }));

  const setBusy = (name: string, what: string | null) =>
    patch((f) => {
      const { [name]: _old, ...rest } = f.busy;
      return { busy: what === null ? rest : { ...rest, [name]: what } };
    });

  /** Shows a listing's failure unless a newer listing replaced it; false when it was replaced. */
  const listingFailed = (controller: AbortController, err: unknown, also: Partial<FilesData> = {}): boolean => {
    if (listing !== controller || controller.signal.aborted) return false;
    const failure = asRequestError(err);
    patch({ status: 'error', error: describeFailure(failure.code, failure.detail), ...also });
    return true;
  };

  async function fileAction(name: string, what: string, run: () => Promise<void>): Promise<void> {
    if (get().files.busy[name] !== undefined) return;
    setBusy(name, what);
    try {
      await run();
    } catch (err) {
      const failure = asRequestError(err);
      patch({ actionFailure: { what: `${what} ${name}`, message: describeFailure(failure.code, failure.detail), at: deps.now() } });
    } finally {
      setBusy(name, null);
    }
  }

  /** Loads pages from the start until `wanted` rows are loaded or the listing ends. */
  async function loadFromStart(wanted: number): Promise<void> {
    listing?.abort();
    const controller = new AbortController();
    listing = controller;
    const { prefix } = get().files;
    const replicas = wantsReplicas(get().files);
    // The search goes to the server without the spaces a name seldom starts or ends with.
    const search = get().files.filter.trim();
    patch({ status: 'loading', error: null });
    try {
      const items: FileList['items'][number][] = [];
      const folders: string[] = [];
      const short: Record<string, number> = {};
      let whole: number | null = null;
      let cursor: string | null = null;
      do {
        const page: FileList = await request<FileList>('GET', listPath(prefix, search, cursor, replicas), { signal: controller.signal });
        items.push(...page.items);
        folders.push(...(page.folders ?? []));
        whole = foldReplicas(short, page.replicas) ?? whole;
        cursor = page.nextCursor;
      } while (cursor !== null && items.length + folders.length < wanted);
      if (listing !== controller) return;
      const listedCopies = whole === null ? null : { whole, short };
      patch((f) => ({ items, folders, search, nextCursor: cursor, listedCopies, status: 'idle', loadedOnce: true, stale: false, selected: keepListed(f.selected, items, folders) }));
    } catch (err) {
      if (!listingFailed(controller, err, { loadedOnce: true })) return;
    } finally {
      if (listing === controller) listing = null;
    }
    // Sorted by replicas while this listing, asked without the summary, was on its way: ask again.
    if (!replicas && wantsReplicas(get().files) && get().files.status === 'idle') return loadFromStart(wanted);
    await loadRestIfNeeded();
  }

  /**
   * Pages through the rest of the folder (or the search's hits) while the order shown needs all of
   * it. Pages are shown together at most once a REST_SHOWN_EVERY_MS: each showing sorts every row
   * loaded, and doing that per page made 100,000 files take minutes (quadratic).
   */
  async function loadRestIfNeeded(): Promise<void> {
    const start = get().files;
    if (!needsWholeFolder(start) || start.nextCursor === null || start.status !== 'idle') return;
    listing?.abort();
    const controller = new AbortController();
    listing = controller;
    let cursor: string | null = start.nextCursor;
    const replicas = start.listedCopies !== null;
    const items: FileList['items'][number][] = [];
    const folders: string[] = [];
    const short: Record<string, number> = { ...start.listedCopies?.short };
    let whole = start.listedCopies?.whole ?? null;
    let shownAt = deps.now();
    patch({ status: 'loading' });
    try {
      while (cursor !== null) {
        const page: FileList = await request<FileList>('GET', listPath(start.prefix, start.search, cursor, replicas), { signal: controller.signal });
        if (listing !== controller) return;
        items.push(...page.items);
        folders.push(...(page.folders ?? []));
        whole = foldReplicas(short, page.replicas) ?? whole;
        cursor = page.nextCursor;
        if (cursor === null || deps.now() - shownAt >= REST_SHOWN_EVERY_MS) {
          const more = { items: items.splice(0), folders: folders.splice(0), nextCursor: cursor, listedCopies: whole === null ? null : { whole, short: { ...short } } };
          patch((f) => ({ items: [...f.items, ...more.items], folders: [...f.folders, ...more.folders], nextCursor: more.nextCursor, listedCopies: more.listedCopies, status: more.nextCursor === null ? 'idle' : 'loading' }));
          shownAt = deps.now();
        }
      }
    } catch (err) {
      listingFailed(controller, err);
    } finally {
      if (listing === controller) listing = null;
    }
  }

  async function removeFile(name: string): Promise<void> {
    // A file locked here needs our own lock token to be deleted.
    const token = get().files.heldLocks[name];
    await request('DELETE', fileUrl(name), token === undefined ? undefined : { headers: { 'X-Lock-Token': token } });
    forgetLock(name);
    patch((f) => {
      const { [name]: _gone, ...details } = f.details;
      const { [name]: _unticked, ...selected } = f.selected;
      return { items: f.items.filter((i) => i.name !== name), details, selected, openFile: f.openFile === name ? null : f.openFile };
    });
  }

  /** Every file below `folder` (all depths), page by page. */
  async function filesBelow(folder: string): Promise<string[]> {
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ prefix: folder, limit: String(FILE_PAGE_SIZE) });
      if (cursor !== null) query.set('cursor', cursor);
      const page: FileList = await request<FileList>('GET', `/api/files?${query.toString()}`);
      names.push(...page.items.map((i) => i.name));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return names;
  }

  function fetchDetails(name: string): Promise<void> {
    detailFetchedAt.set(name, deps.now());
    return request<FileInfo>('GET', `/api/fileinfo?name=${encodeURIComponent(name)}`).then((info) => patch((f) => ({ details: { ...f.details, [name]: info } })));
  }

  function pumpDetails(): void {
    while (detailInFlight.size < DETAIL_CONCURRENCY && detailQueue.length > 0) {
      const name = detailQueue.shift() as string;
      detailInFlight.add(name);
      fetchDetails(name)
        .catch(() => undefined)
        .finally(() => {
          detailInFlight.delete(name);
          pumpDetails();
        });
    }
  }

  const forgetLock = (name: string) => {
    locks.stop(name);
    patch((f) => {
      const { [name]: _released, ...heldLocks } = f.heldLocks;
      return { heldLocks, items: f.items.map((i) => (i.name === name ? { ...i, lock: undefined } : i)) };
    });
  };

  const locks = lockRenewal({
    request,
    tokenOf: (name) => get().files.heldLocks[name],
    onRenewed: (name, lock) => patch((f) => ({ items: f.items.map((i) => (i.name === name ? { ...i, lock } : i)) })),
    onLost(name, err) {
      const failure = asRequestError(err);
      forgetLock(name);
      patch({ actionFailure: { what: `keep the lock on ${name}`, message: describeFailure(failure.code, failure.detail), at: deps.now() } });
    },
  });

  return {
    files: EMPTY_FILES,

    setFilePrefix(prefix) {
      if (prefix === get().files.prefix && get().files.loadedOnce) return;
      if (searchTimer !== null) clearTimeout(searchTimer);
      patch({ prefix, items: [], folders: [], nextCursor: null, filter: '', search: '', selected: {}, listedCopies: null, loadedOnce: false });
      void get().loadFiles();
    },

    setFileSort(key) {
      // Biggest, newest, most written first; but fewest copies first: what a look at replicas is for.
      patch(({ sort }) => ({ sort: { key, descending: sort.key === key ? !sort.descending : key !== 'name' && key !== 'replicas' } }));
      const files = get().files;
      // The rows loaded so far came without their replica summary: load the folder again with it.
      if (wantsReplicas(files) && files.listedCopies === null && files.loadedOnce) void loadFromStart(Math.max(files.items.length, FILE_PAGE_SIZE));
      else void loadRestIfNeeded();
    },

    setFileFilter(text) {
      patch({ filter: text });
      if (searchTimer !== null) clearTimeout(searchTimer);
      searchTimer = setTimeout(() => {
        searchTimer = null;
        if (get().files.filter.trim() !== get().files.search) void get().loadFiles();
      }, SEARCH_DEBOUNCE_MS);
    },

    setFilesSelected: (names, ticked) => patch((f) => ({ selected: withTicks(f.selected, names, ticked) })),

    async deleteSelectedFiles() {
      const ticked = Object.keys(get().files.selected);
      const folders = ticked.filter(isFolderPath);
      let names = ticked.filter((n) => !isFolderPath(n));
      try {
        for (const folder of folders) names = [...names, ...(await filesBelow(folder)).filter((n) => !names.includes(n))];
      } catch (err) {
        const failure = asRequestError(err);
        patch({ actionFailure: { what: `delete ${describeSelection(ticked)}`, message: describeFailure(failure.code, failure.detail), at: deps.now() } });
        return;
      }
      const failures = await forEachBounded(names, DELETE_CONCURRENCY, async (name) => {
        setBusy(name, 'delete');
        await removeFile(name).finally(() => setBusy(name, null));
      });
      const first = failures[0];
      if (first !== undefined) {
        const failure = asRequestError(first.error);
        const message = `${first.name}: ${describeFailure(failure.code, failure.detail)}`;
        patch({ actionFailure: { what: `delete ${failures.length} of ${names.length} files`, message, at: deps.now() } });
      }
      // A folder is gone once none of its files failed (its row goes with the reload below).
      const kept = new Set(failures.map((f) => f.name));
      const emptied = folders.filter((folder) => ![...kept].some((n) => n.startsWith(folder)));
      patch((f) => ({ selected: withTicks(f.selected, emptied, false), folders: f.folders.filter((p) => !emptied.includes(p)) }));
      if (failures.length < names.length) get().noteFilesChanged();
    },

    async prepareSelectionZip() {
      const { selected, prefix, search } = get().files;
      const names = Object.keys(selected);
      const what = describeSelection(names);
      patch({ archive: { id: null, what, fileName: null } });
      try {
        // A search's hits come from every folder: their paths are kept whole.
        const body = { names, base: search === '' ? prefix : '' };
        const ticket = await request<ArchiveTicket>('POST', '/api/archives', { body });
        patch({ archive: { id: ticket.id, what, fileName: ticket.fileName } });
        return deps.api.linkUrl(ticket.url);
      } catch (err) {
        const failure = asRequestError(err);
        patch({ archive: null, actionFailure: { what: `download ${what} as a zip`, message: describeFailure(failure.code, failure.detail), at: deps.now() } });
        return null;
      }
    },

    noteArchiveProgress(progress) {
      const archive = get().files.archive;
      if (archive === null || archive.id !== progress.id || progress.state === 'sending') return;
      patch({ archive: null });
      if (progress.state === 'failed') {
        patch({ actionFailure: { what: `download ${progress.fileName} (${archive.what})`, message: `The download was stopped: ${progress.detail ?? 'the cluster stopped sending it'}.`, at: deps.now() } });
      }
    },

    openFileDetails(name) {
      patch({ openFile: name });
      if (name !== null) void fetchDetails(name).catch(() => undefined);
    },

    readFileHead: (name, maxBytes) => deps.api.requestText(fileUrl(name), { headers: { Range: `bytes=0-${maxBytes - 1}` } }),

    loadFiles: () => loadFromStart(FILE_PAGE_SIZE),

    async loadMoreFiles() {
      const { nextCursor, prefix, search, status, listedCopies } = get().files;
      if (nextCursor === null || status === 'loading') return;
      const controller = new AbortController();
      listing = controller;
      patch({ status: 'loading' });
      try {
        const page = await request<FileList>('GET', listPath(prefix, search, nextCursor, listedCopies !== null), { signal: controller.signal });
        if (listing !== controller) return;
        const short = { ...listedCopies?.short };
        const whole = foldReplicas(short, page.replicas) ?? listedCopies?.whole ?? null;
        patch((f) => ({ items: [...f.items, ...page.items], folders: [...f.folders, ...(page.folders ?? [])], nextCursor: page.nextCursor, listedCopies: whole === null ? null : { whole, short }, status: 'idle' }));
      } catch (err) {
        listingFailed(controller, err);
      } finally {
        if (listing === controller) listing = null;
      }
    },

    requestFileDetails(names) {
      shownNames = names;
      // Only the rows in view matter: scrolling fast past 100,000 rows must not queue them all.
      detailQueue.length = 0;
      const { details, items } = get().files;
      const nodeCount = get().liveSnapshot()?.nodes.length ?? 0;
      // Version and hash: a file deleted and written again starts at version 1 again.
      const current = new Map(items.map((i) => [i.name, i]));
      for (const name of names) {
        if (detailInFlight.has(name) || detailQueue.includes(name)) continue;
        const known = details[name];
        const fetchedAt = detailFetchedAt.get(name) ?? 0;
        const listed = current.get(name);
        const outdated = known === undefined || known.version !== listed?.version || known.sha256 !== listed.sha256;
        const incomplete = known?.completeOn !== undefined && known.completeOn.length < nodeCount;
        if (outdated || (incomplete && deps.now() - fetchedAt >= INCOMPLETE_DETAIL_TTL_MS)) detailQueue.push(name);
      }
      pumpDetails();
    },

    deleteFile: (name) =>
      fileAction(name, 'delete', async () => {
        await removeFile(name);
        get().noteFilesChanged();
      }),

    lockFile: (name) =>
      fileAction(name, 'lock', async () => {
        const grant = await request<LockGrant>('POST', `/api/locks/${encodeURIComponent(name)}`, { body: { owner: LOCK_OWNER } });
        const { token, ...lock } = grant;
        patch((f) => ({
          heldLocks: { ...f.heldLocks, [name]: token },
          items: f.items.map((i) => (i.name === name ? { ...i, lock } : i)),
        }));
        locks.keep(name, lock);
      }),

    unlockFile: (name) =>
      fileAction(name, 'unlock', async () => {
        const token = get().files.heldLocks[name];
        await request('DELETE', `/api/locks/${encodeURIComponent(name)}`, {
          body: token === undefined ? undefined : { token },
          headers: token === undefined ? undefined : { 'X-Lock-Token': token },
        });
        forgetLock(name);
      }),

    downloadUrl: (name) => deps.api.linkUrl(fileUrl(name)),

    noteFilesChanged() {
      if (!get().files.loadedOnce || changeTimer !== null) return;
      changeTimer = setTimeout(() => {
        changeTimer = null;
        const loaded = get().files.items.length;
        if (loaded > AUTO_REFRESH_MAX_ROWS) patch({ stale: true });
        else void loadFromStart(Math.max(loaded, FILE_PAGE_SIZE));
      }, CHANGE_THROTTLE_MS);
    },

    refreshShownDetails() {
      const open = get().files.openFile;
      const names = open === null || shownNames.includes(open) ? shownNames : [...shownNames, open];
      if (names.length > 0) get().requestFileDetails(names);
    },

    dismissFileFailure: () => patch({ actionFailure: null }),
  };
};
