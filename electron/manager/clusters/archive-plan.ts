// "Download as zip" of a Files-view selection: which files the archive will hold, found before a
// byte of it is sent, so a bad or outdated selection is a clear JSON error rather than a broken
// download. Selected folders ("docs/sub/") bring every file below them; each file keeps its path
// relative to the folder the selection was made in.
import { z } from 'zod';
import { fileListSchema, type FileListItem } from '../../../node-runtime/common/api-types';
import { ApiError } from '../../../node-runtime/common/errors';
import { validateFileName } from '../../../node-runtime/common/file-name';

/** Most names one request may select (files or folders); keeps the JSON body under 1 MiB. */
export const MAX_SELECTED_NAMES = 10_000;
/** Most files one archive may hold: the Files view's own bar (100,000 files stay smooth). */
export const MAX_ARCHIVE_FILES = 100_000;
const LIST_PAGE = 10_000;
/** Names looked up at once (one listing request each). */
const LOOKUP_CONCURRENCY = 8;

export const archiveRequestSchema = z.strictObject({
  /** Files ("docs/a.txt") and folders ("docs/sub/", with the trailing slash). */
  names: z.array(z.string()).min(1).max(MAX_SELECTED_NAMES),
  /** The folder the selection was made in ("docs/"), "" for the top level: archive paths start below it. */
  base: z.string().optional(),
});

export interface ArchiveEntry {
  /** The file's name in the cluster. */
  readonly name: string;
  /** Its path inside the archive. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly modifiedAt: string;
}

export interface ArchivePlan {
  /** In path order. */
  readonly entries: readonly ArchiveEntry[];
  /** The files' bytes, added up. */
  readonly bytes: number;
  /** What the browser saves the archive as. */
  readonly fileName: string;
}

/** One page of a node's `GET /files` (no delimiter: every depth below `prefix`). */
export type ListFiles = (query: { prefix: string; cursor: string | null; limit: number }) => Promise<unknown>;

interface Selection {
  readonly base: string;
  readonly files: readonly string[];
  readonly folders: readonly string[];
}

function checkedName(raw: string, what: string): string {
  const checked = validateFileName(raw);
  if (!checked.ok) throw new ApiError('name_invalid', `${what} "${raw}": ${checked.detail}`);
  return checked.name;
}

/** A folder path as the listing names it: a valid name followed by "/". */
function checkedFolder(raw: string, what: string): string {
  return `${checkedName(raw.slice(0, -1), what)}/`;
}

/** The request body, checked: every name valid and inside `base`. */
export function parseArchiveRequest(body: unknown): Selection {
  const parsed = archiveRequestSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('bad_request', `expected { "names": [1 to ${MAX_SELECTED_NAMES} file names or "folder/" paths], "base"?: "folder/" }`);
  }
  const rawBase = parsed.data.base ?? '';
  if (rawBase !== '' && !rawBase.endsWith('/')) throw new ApiError('bad_request', `base "${rawBase}" must be a folder path ending in "/", or "" for the top level`);
  const base = rawBase === '' ? '' : checkedFolder(rawBase, 'base folder');
  const files = new Set<string>();
  const folders = new Set<string>();
  for (const raw of parsed.data.names) {
    const name = raw.endsWith('/') ? checkedFolder(raw, 'folder') : checkedName(raw, 'file name');
    if (!name.startsWith(base) || name === base) throw new ApiError('bad_request', `"${name}" is not inside the folder "${base}"`);
    (name.endsWith('/') ? folders : files).add(name);
  }
  return { base, files: [...files], folders: [...folders] };
}

function pageOf(body: unknown): z.infer<typeof fileListSchema> {
  const parsed = fileListSchema.safeParse(body);
  if (!parsed.success) throw new ApiError('unavailable', `a node sent a malformed file listing: ${parsed.error.message}`);
  return parsed.data;
}

function tooMany(count: number): ApiError {
  return new ApiError('bad_request', `a zip may hold at most ${MAX_ARCHIVE_FILES.toLocaleString('en')} files; this selection has more than ${count.toLocaleString('en')}`);
}

/** Every file below `folder`, page by page. */
async function filesBelow(list: ListFiles, folder: string, found: Map<string, FileListItem>): Promise<void> {
  let cursor: string | null = null;
  let any = false;
  do {
    const page = pageOf(await list({ prefix: folder, cursor, limit: LIST_PAGE }));
    for (const item of page.items) {
      any = true;
      found.set(item.name, item);
    }
    if (found.size > MAX_ARCHIVE_FILES) throw tooMany(MAX_ARCHIVE_FILES);
    cursor = page.nextCursor;
  } while (cursor !== null);
  if (!any) throw new ApiError('not_found', `the folder "${folder}" holds no files any more (deleted since the list was loaded?)`);
}

/** One named file: the first name a listing from it gives is the name itself, when it exists. */
async function lookUp(list: ListFiles, name: string, found: Map<string, FileListItem>): Promise<void> {
  const item = pageOf(await list({ prefix: name, cursor: null, limit: 1 })).items[0];
  if (item?.name !== name) throw new ApiError('not_found', `"${name}" is no longer in the cluster (deleted or renamed since the list was loaded?)`);
  found.set(name, item);
}

async function lookUpAll(list: ListFiles, names: readonly string[], found: Map<string, FileListItem>): Promise<void> {
  const queue = [...names];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) await lookUp(list, name, found);
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, names.length) }, worker));
}

/** "docs/sub/" → "sub"; "" → fallback. */
function lastSegment(folder: string, fallback: string): string {
  const trimmed = folder.replace(/\/$/, '');
  return trimmed === '' ? fallback : trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Resolves a checked selection into the archive's files, asking the cluster what each is now. */
export async function planArchive(list: ListFiles, selection: Selection): Promise<ArchivePlan> {
  const found = new Map<string, FileListItem>();
  for (const folder of selection.folders) await filesBelow(list, folder, found);
  if (found.size + selection.files.length > MAX_ARCHIVE_FILES) throw tooMany(MAX_ARCHIVE_FILES);
  await lookUpAll(list, selection.files.filter((name) => !found.has(name)), found);
  const entries = [...found.values()]
    .map((item) => ({ name: item.name, path: item.name.slice(selection.base.length), size: item.size, sha256: item.sha256, modifiedAt: item.modifiedAt }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const only = selection.folders.length === 1 && selection.files.length === 0 ? selection.folders[0] : undefined;
  const fileName = `${only !== undefined ? lastSegment(only, 'files') : lastSegment(selection.base, 'dfs-files')}.zip`;
  return { entries, bytes: entries.reduce((sum, e) => sum + e.size, 0), fileName };
}
