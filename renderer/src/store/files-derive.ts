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

/**
 * A name as a key that plain string comparison orders the way people expect: any case, and
 * "file-9" before "file-10" (digit runs padded). Intl.Collator does this too, but sorting
 * 100,000 names with it takes seconds; comparing prepared keys takes milliseconds.
 */
function nameKey(name: string): string {
  return name.toLowerCase().replace(/\d+/g, (digits) => digits.padStart(16, '0'));
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted with each key computed once, since 100,000 files take ~1.7 M comparisons. */
function sortFiles(items: readonly FileListItem[], sort: FileSort): FileListItem[] {
  const value = (f: FileListItem): number =>
    sort.key === 'size' ? f.size : sort.key === 'version' ? f.version : sort.key === 'modified' ? Date.parse(f.modifiedAt) : 0;
  const keyed = items.map((file) => ({ file, name: nameKey(baseName(file.name)), value: value(file) }));
  const sign = sort.descending ? -1 : 1;
  // Ties keep a stable, readable order: by name.
  keyed.sort((a, b) => sign * (a.value - b.value) || (sort.key === 'name' ? sign : 1) * compareKeys(a.name, b.name));
  return keyed.map((k) => k.file);
}

export function fileEntries(files: Pick<FilesData, 'items' | 'folders' | 'sort' | 'filter'>): FileEntry[] {
  const needle = files.filter.trim().toLowerCase();
  const matches = (path: string) => needle === '' || baseName(path).toLowerCase().includes(needle);
  const folders = files.folders.filter(matches).sort((a, b) => compareKeys(nameKey(a), nameKey(b)));
  if (files.sort.key === 'name' && files.sort.descending) folders.reverse();
  const items = sortFiles(needle === '' ? files.items : files.items.filter((f) => matches(f.name)), files.sort);
  return [...folders.map((path) => ({ kind: 'folder' as const, path })), ...items.map((file) => ({ kind: 'file' as const, file }))];
}
