// The preload exposes named native actions only — never raw ipcRenderer.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('dfsDesktop', {
  platform: process.platform,
});
