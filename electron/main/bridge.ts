// The contract between the preload and the main process: the IPC channel names, and the API the
// preload exposes to the page as `window.dfsDesktop`. Only named native actions live here —
// everything about the cluster goes over HTTP (`/api/...`), as in the browser. Pure (no 'electron').

export const CHANNELS = {
  chooseFolderToWatch: 'dfs:choose-folder-to-watch',
  chooseBackupFolder: 'dfs:choose-backup-folder',
  revealInFolder: 'dfs:reveal-in-folder',
  openDataFolder: 'dfs:open-data-folder',
  menuCommand: 'dfs:menu-command',
} as const;

/** Folder ids are UUIDs we made; anything else from the page is refused. */
export function isFolderId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(value);
}

/** A path inside a watched folder: relative, forward slashes, no `..`, no NUL. */
export function isRelativeFilePath(value: unknown): value is string {
  if (typeof value !== 'string' || value === '' || value.length > 4096) return false;
  if (value.includes('\0') || value.includes('\\') || value.startsWith('/') || /^[A-Za-z]:/.test(value)) return false;
  return value.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}
