// What the file table shows for the open folder: its sub-folders first, then its files, both
// narrowed by the name filter and put in the chosen order.
import type { FileListItem } from '../../../node-runtime/common/api-types';
import type { FileSort, FilesData } from './state';

export type FileEntry = { readonly kind: 'folder'; readonly path: string } | { readonly kind: 'file'; readonly file: FileListItem };

/** The last part of a path: "docs/a.txt" → "a.txt", "docs/sub/" → "sub". */
export function baseName(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareFiles(sort: FileSort): (a: FileListItem, b: FileListItem) => number {
  const key = (f: FileListItem): number =>
    sort.key === 'size' ? f.size : sort.key === 'version' ? f.version : Date.parse(f.modifiedAt);
  const sign = sort.descending ? -1 : 1;
  if (sort.key === 'name') return (a, b) => sign * byName.compare(baseName(a.name), baseName(b.name));
  // Ties keep a stable, readable order: by name.
  return (a, b) => sign * (key(a) - key(b)) || byName.compare(baseName(a.name), baseName(b.name));
}

export function fileEntries(files: Pick<FilesData, 'items' | 'folders' | 'sort' | 'filter'>): FileEntry[] {
  const needle = files.filter.trim().toLowerCase();
  const matches = (path: string) => needle === '' || baseName(path).toLowerCase().includes(needle);
  const folders = files.folders.filter(matches).sort((a, b) => byName.compare(a, b));
  if (files.sort.key === 'name' && files.sort.descending) folders.reverse();
  const items = files.items.filter((f) => matches(f.name)).sort(compareFiles(files.sort));
  return [...folders.map((path) => ({ kind: 'folder' as const, path })), ...items.map((file) => ({ kind: 'file' as const, file }))];
}
