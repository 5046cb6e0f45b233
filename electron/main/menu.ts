// The native menu: cluster lifecycle (new, attach, reset), the data folder, watched folders, and
// developer tools in development only. The first item of the Cluster menu is its health.
import { Menu, type MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  showDashboard(): void;
  newCluster(): void;
  attachCluster(): void;
  resetCluster(): void;
  watchFolder(): void;
  openDataFolder(): void;
}

export interface MenuState {
  /** One line of cluster health (see cluster-status.ts). */
  readonly status: string;
  /** Development builds only: reload and developer tools. */
  readonly development: boolean;
  readonly platform: NodeJS.Platform;
}

export function buildAppMenu(actions: MenuActions, state: MenuState): Menu {
  const mac = state.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: 'DFS Desktop',
      submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
    });
  }
  template.push({
    label: 'Cluster',
    submenu: [
      { id: 'cluster-status', label: state.status, enabled: false },
      { type: 'separator' },
      { label: 'New Cluster…', accelerator: 'CmdOrCtrl+Shift+N', click: () => actions.newCluster() },
      { label: 'Attach to Cluster…', click: () => actions.attachCluster() },
      { label: 'Reset Cluster…', click: () => actions.resetCluster() },
      { type: 'separator' },
      { label: 'Watch a Folder…', click: () => actions.watchFolder() },
      { label: 'Open Data Folder', click: () => actions.openDataFolder() },
      ...(mac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
    ],
  });
  template.push({ role: 'editMenu' });
  template.push({
    label: 'View',
    submenu: [
      ...(state.development
        ? [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }]
        : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });
  template.push({
    role: 'windowMenu',
    submenu: [{ role: 'minimize' }, { role: 'close' }, { type: 'separator' }, { label: 'Dashboard', accelerator: 'CmdOrCtrl+1', click: () => actions.showDashboard() }],
  });
  return Menu.buildFromTemplate(template);
}
