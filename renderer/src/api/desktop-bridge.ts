// `window.dfsDesktop`: the few native actions the desktop app's preload offers the page (absent
// in a browser). This mirrors `DesktopBridge` in electron/main/bridge.ts structurally — the
// renderer may not import from electron/ — and only what the dashboard uses.
import type { WatchedFolder } from '../../../node-runtime/common/manager-api';

export type MenuCommand = 'attach-cluster';

export interface DesktopBridge {
  readonly platform: string;
  /** Opens the native folder picker; the chosen folder is watched. Null when the user cancelled. */
  chooseFolderToWatch(): Promise<WatchedFolder | null>;
  /** Shows a watched folder, or a file in it, in the system file manager. */
  revealInFolder(folderId: string, relativePath?: string): Promise<void>;
  /** Opens the app's data folder in the system file manager. */
  openDataFolder(): Promise<void>;
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}

export function desktopBridge(): DesktopBridge | null {
  return (window as { dfsDesktop?: DesktopBridge }).dfsDesktop ?? null;
}
