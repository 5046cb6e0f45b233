// `window.dfsDesktop`: the API the desktop app's preload (electron/main/preload.ts) exposes to the
// page, absent in a browser. One definition for both sides of the boundary — types only, so the
// renderer can use it without importing anything from electron/.
import type { WatchedFolder } from './manager-api';

/** Menu items whose work happens in the dashboard (they need its forms). */
export type MenuCommand = 'attach-cluster';

/**
 * Only named native actions live here. Watched folders are listed, streamed (`watchedFolders`
 * events) and removed over HTTP like everything else; only choosing one needs the app, because
 * there a folder is named by the native picker, never by the page.
 */
export interface DesktopBridge {
  readonly platform: string;
  /** Opens the native folder picker; the chosen folder is watched. Null when the user cancelled. */
  chooseFolderToWatch(): Promise<WatchedFolder | null>;
  /** Opens the native folder picker for a backup's destination; its absolute path, or null when cancelled. */
  chooseBackupFolder(): Promise<string | null>;
  /** Shows a watched folder, or a file in it, in the system file manager. */
  revealInFolder(folderId: string, relativePath?: string): Promise<void>;
  /** Opens the app's data folder (cluster, node data, logs) in the system file manager. */
  openDataFolder(): Promise<void>;
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
