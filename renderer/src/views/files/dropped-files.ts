// Turns what was dropped on the window (files and whole folders) into named files to upload.
// Folders are walked with the File and Directory Entries API (DataTransferItem.webkitGetAsEntry);
// each file is named by its path inside the dropped folder ("photos/2024/a.jpg").

export interface NamedFile {
  readonly name: string;
  readonly file: File;
}

const withoutLeadingSlash = (path: string) => path.replace(/^\/+/, '');

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** readEntries returns at most ~100 entries per call; keep calling until it returns none. */
async function childrenOf(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, out: NamedFile[]): Promise<void> {
  if (entry.isFile) {
    out.push({ name: withoutLeadingSlash(entry.fullPath), file: await fileOf(entry as FileSystemFileEntry) });
  } else if (entry.isDirectory) {
    for (const child of await childrenOf(entry as FileSystemDirectoryEntry)) await walk(child, out);
  }
}

/**
 * Must be called synchronously inside the drop handler: the browser empties the DataTransfer
 * once the event returns, so the entries are taken first and read afterwards.
 */
export function collectDroppedFiles(data: Pick<DataTransfer, 'items' | 'files'>): Promise<NamedFile[]> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  const items = data.items === undefined || data.items === null ? [] : Array.from(data.items);
  for (const item of items) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry !== null) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file !== null) loose.push(file);
    }
  }
  if (items.length === 0) loose.push(...Array.from(data.files));
  return (async () => {
    const out: NamedFile[] = loose.map((file) => ({ name: file.name, file }));
    for (const entry of entries) await walk(entry, out);
    return out;
  })();
}

/** Files chosen with an <input type="file">; a folder picker fills webkitRelativePath. */
export function namedFromInput(files: FileList | null): NamedFile[] {
  return Array.from(files ?? []).map((file) => ({ name: file.webkitRelativePath === '' ? file.name : file.webkitRelativePath, file }));
}
