// The main-process side of the preload's named actions. Every handler first checks who is
// asking — the frame must be the dashboard on app:// — and then the arguments' shapes.
import { ipcMain, shell, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import { isAppUrl } from '../manager/control-api/security-policy';
import type { WatchedFolder } from '../../node-runtime/common/manager-api';
import type { WatchedFolders } from '../manager/watched/watched-folders';
import { CHANNELS, isFolderId, isRelativeFilePath } from './bridge';

export interface IpcContext {
  readonly dataDir: string;
  /** The manager's watched folders; null while no manager runs. */
  watchedFolders(): WatchedFolders | null;
  /** The native folder picker, then watching the chosen folder; null when cancelled. */
  chooseAndWatchFolder(): Promise<WatchedFolder | null>;
  /** The native folder picker for a backup's destination; null when cancelled. */
  chooseBackupFolder(): Promise<string | null>;
}

class RefusedIpc extends Error {}

function checkSender(event: IpcMainInvokeEvent): void {
  const url = event.senderFrame?.url ?? '';
  if (!isAppUrl(url)) throw new RefusedIpc(`IPC from ${url || 'an unknown frame'} refused: only the dashboard may ask`);
}

function handle(channel: string, handler: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown> | unknown): void {
  ipcMain.handle(channel, async (event, ...args: unknown[]) => {
    checkSender(event);
    return handler(event, ...args);
  });
}

function requireWatched(context: IpcContext): WatchedFolders {
  const watched = context.watchedFolders();
  if (!watched) throw new Error('the cluster manager is not running');
  return watched;
}

export function registerIpcHandlers(context: IpcContext): void {
  handle(CHANNELS.chooseFolderToWatch, () => context.chooseAndWatchFolder());
  handle(CHANNELS.chooseBackupFolder, () => context.chooseBackupFolder());

  handle(CHANNELS.revealInFolder, (_event, id, relativePath) => {
    if (!isFolderId(id)) throw new RefusedIpc('revealInFolder expects a folder id');
    if (relativePath !== undefined && !isRelativeFilePath(relativePath)) throw new RefusedIpc('revealInFolder expects a relative path inside the folder');
    const folder = requireWatched(context).list().find((f) => f.id === id);
    if (!folder) throw new RefusedIpc(`no watched folder ${id}`);
    if (relativePath === undefined) void shell.openPath(folder.path);
    else shell.showItemInFolder(path.join(folder.path, ...relativePath.split('/')));
  });

  handle(CHANNELS.openDataFolder, async () => {
    const failure = await shell.openPath(context.dataDir);
    if (failure !== '') throw new Error(`could not open ${context.dataDir}: ${failure}`);
  });
}
