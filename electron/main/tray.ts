// The tray (menu bar) icon: cluster health at a glance, and the way back to the dashboard when
// its window is closed (on macOS the app keeps running in the dock).
import { Menu, Tray, nativeImage } from 'electron';
import type { ClusterStatusLine } from './cluster-status';

export interface TrayActions {
  showDashboard(): void;
  watchFolder(): void;
  openDataFolder(): void;
  quit(): void;
}

export class ClusterTray {
  private readonly tray: Tray;
  private shown: ClusterStatusLine | null = null;

  constructor(
    iconPath: string,
    private readonly actions: TrayActions,
  ) {
    // Menu bars want 16 pt (macOS, Windows); Linux panels draw about 22 px.
    const size = process.platform === 'linux' ? 22 : 16;
    this.tray = new Tray(nativeImage.createFromPath(iconPath).resize({ width: size, height: size, quality: 'best' }));
    // Windows and Linux open the dashboard on click; macOS shows the menu.
    this.tray.on('click', () => {
      if (process.platform !== 'darwin') actions.showDashboard();
    });
  }

  show(status: ClusterStatusLine): void {
    if (this.shown?.label === status.label && this.shown.tooltip === status.tooltip) return;
    this.shown = status;
    this.tray.setToolTip(status.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate([
      { label: status.label, enabled: false },
      { type: 'separator' },
      { label: 'Show Dashboard', click: () => this.actions.showDashboard() },
      { label: 'Watch a Folder…', click: () => this.actions.watchFolder() },
      { label: 'Open Data Folder', click: () => this.actions.openDataFolder() },
      { type: 'separator' },
      { label: 'Quit DFS Desktop', click: () => this.actions.quit() },
    ]));
  }

  destroy(): void {
    this.tray.destroy();
  }
}
