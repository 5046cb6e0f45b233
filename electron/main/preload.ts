// The preload: `window.dfsDesktop`, a few named native actions — never ipcRenderer itself. It
// runs sandboxed, so it is bundled to one CommonJS file and imports only 'electron'.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { DesktopBridge, MenuCommand } from '../../node-runtime/common/desktop-bridge';
import { CHANNELS } from './bridge';
import type { WatchedFolder } from '../../node-runtime/common/manager-api';

function subscribe<T>(channel: string, listener: (value: T) => void): () => void {
  const forward = (_event: IpcRendererEvent, value: T): void => listener(value);
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

const bridge: DesktopBridge = {
  platform: process.platform,
  chooseFolderToWatch: () => ipcRenderer.invoke(CHANNELS.chooseFolderToWatch) as Promise<WatchedFolder | null>,
  chooseBackupFolder: () => ipcRenderer.invoke(CHANNELS.chooseBackupFolder) as Promise<string | null>,
  revealInFolder: (folderId, relativePath) =>
    ipcRenderer.invoke(CHANNELS.revealInFolder, String(folderId), relativePath === undefined ? undefined : String(relativePath)) as Promise<void>,
  openDataFolder: () => ipcRenderer.invoke(CHANNELS.openDataFolder) as Promise<void>,
  onMenuCommand: (listener) => subscribe<MenuCommand>(CHANNELS.menuCommand, listener),
};

contextBridge.exposeInMainWorld('dfsDesktop', bridge);
