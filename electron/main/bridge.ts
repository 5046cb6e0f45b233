// The contract between the preload and the main process: the IPC channel names, and the API the
// preload exposes to the page as `window.dfsDesktop`. Only named native actions live here —
// everything about the cluster goes over HTTP (`/api/...`), as in the browser. Pure (no 'electron').
import type { WatchedFolder } from '../../node-runtime/common/manager-api';

export const CHANNELS = {
  chooseFolderToWatch: 'dfs:choose-folder-to-watch',
  revealInFolder: 'dfs:reveal-in-folder',
  openDataFolder: 'dfs:open-data-folder',
  menuCommand: 'dfs:menu-command',
} as const;

/** Menu items whose work happens in the dashboard (they need its forms). */
export type MenuCommand = 'attach-cluster';

/**
 * `window.dfsDesktop` in the app (absent in a browser). Watched folders are listed, streamed
 * (`watchedFolders` events) and removed over HTTP like everything else; only choosing one needs
 * the app, because there a folder is named by the native picker, never by the page.
 */
export interface DesktopBridge {
  readonly platform: string;
  /** Opens the native folder picker; the chosen folder is watched. Null when the user cancelled. */
  chooseFolderToWatch(): Promise<WatchedFolder | null>;
  /** Shows a watched folder, or a file in it, in the system file manager. */
  revealInFolder(folderId: string, relativePath?: string): Promise<void>;
  /** Opens the app's data folder (cluster, node data, logs) in the system file manager. */
  openDataFolder(): Promise<void>;
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}

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
