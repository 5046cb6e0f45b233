// Where the app finds its parts, in development and packaged. Pure (no 'electron'): main.ts
// passes in app.isPackaged, process.resourcesPath and app.getAppPath(), and the tests do too.
//
//   development                                packaged (electron-builder.yml)
//   <project>/dist/electron/main.cjs           <resources>/app.asar/dist/electron/main.cjs
//   <project>/dist/renderer/                   <resources>/app.asar/dist/renderer/
//   <project>/dist/node/dfs-node.mjs           <resources>/node-runtime/dfs-node.mjs (unpacked)
//   <project>/assets/icon.png                  <resources>/app.asar/assets/icon.png
import path from 'node:path';
import type { NodeCommand } from '../manager/supervision/launcher';

export interface AppLocation {
  readonly packaged: boolean;
  /** process.resourcesPath */
  readonly resourcesPath: string;
  /** app.getAppPath(): the project root in development, the asar archive when packaged. */
  readonly appPath: string;
}

export interface AppPaths {
  readonly rendererDir: string;
  readonly preload: string;
  readonly nodeCommand: NodeCommand;
  /** The app icon (512 px); the tray scales it down. */
  readonly icon: string;
}

export function appPaths(location: AppLocation): AppPaths {
  const { appPath } = location;
  // The node runtime runs in separate processes, which cannot read inside the asar archive.
  const nodeEntry = location.packaged
    ? path.join(location.resourcesPath, 'node-runtime', 'dfs-node.mjs')
    : path.join(appPath, 'dist', 'node', 'dfs-node.mjs');
  return {
    rendererDir: path.join(appPath, 'dist', 'renderer'),
    preload: path.join(appPath, 'dist', 'electron', 'preload.cjs'),
    nodeCommand: { modulePath: nodeEntry, execArgv: [] },
    icon: path.join(appPath, 'assets', 'icon.png'),
  };
}
