// Electron main process: hosts the manager (its nodes run as utility processes), serves the
// dashboard from app:// with /api forwarded to the manager, and adds what only a desktop app has:
// the native menu, the tray and the folder picker. Kept thin on purpose: supervision, the control
// API and watched-folder syncing live in electron/manager/ (plain Node, tested).
import { app, dialog, Menu, protocol, shell, type BrowserWindow } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { ClusterSnapshot, WatchedFolder } from '../../node-runtime/common/manager-api';
import { ClusterBusyError } from '../manager/supervision/cluster-lock';
import { planHandover } from '../manager/supervision/handover';
import { Manager } from '../manager/manager';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES } from '../manager/control-api/security-policy';
import { AppProtocol } from './app-protocol';
import { appPaths } from './app-paths';
import type { MenuCommand } from '../../node-runtime/common/desktop-bridge';
import { CHANNELS } from './bridge';
import { deleteLocalCluster } from './cluster-reset';
import { clusterStatusLine } from './cluster-status';
import { registerIpcHandlers } from './ipc';
import { buildAppMenu, type MenuActions } from './menu';
import { ClusterTray } from './tray';
import { utilityProcessLauncher } from './utility-process-launcher';
import { createDashboardWindow, hardenWebContents, restrictPermissions } from './window';

/** Quitting waits this long for the nodes to stop (each gets SIGTERM, then SIGKILL) before exiting. */
const QUIT_DEADLINE_MS = 15_000;

const development = !app.isPackaged;
// Development and packaged builds keep separate clusters; tests choose their own folder.
if (process.env.DFS_DESKTOP_DATA_DIR) app.setPath('userData', path.resolve(process.env.DFS_DESKTOP_DATA_DIR));
else if (development) app.setPath('userData', path.join(app.getPath('appData'), 'DFS Desktop (development)'));

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);

const dataDir = app.getPath('userData');
const paths = appPaths({ packaged: app.isPackaged, resourcesPath: process.resourcesPath, appPath: app.getAppPath() });
const windowOptions = { preload: paths.preload, icon: paths.icon, devTools: development };
const logger = pino({ level: 'info' }, pino.destination({ dest: path.join(dataDir, 'manager.log'), mkdir: true, sync: false }));

let manager: Manager | null = null;
let stopWatchingSnapshots: (() => void) | null = null;
let window: BrowserWindow | null = null;
let tray: ClusterTray | null = null;
let status = clusterStatusLine(null);
/** A cluster being reset or replaced: one at a time. */
let busy = false;
let quitting: 'no' | 'stopping' | 'done' = 'no';

const appProtocol = new AppProtocol({
  rendererDir: paths.rendererDir,
  api: () => (manager === null ? null : { port: manager.port, token: manager.token }),
  refusedRoutes: [{ method: 'POST', pattern: /^\/api\/watched-folders\/?$/, reason: 'in the app, folders are chosen in the folder picker (Cluster › Watch a Folder…)' }],
});

function showDashboard(): void {
  if (window === null || window.isDestroyed()) {
    window = createDashboardWindow(windowOptions);
    const contents = window.webContents;
    // Chromium does not always cancel a custom protocol's streaming body: close the page's event
    // stream ourselves whenever the page goes away.
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) appProtocol.closeEventStreams();
    });
    contents.on('render-process-gone', () => appProtocol.closeEventStreams());
    window.on('closed', () => {
      appProtocol.closeEventStreams();
      window = null;
    });
    return;
  }
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

function sendToDashboard(channel: string, value: unknown): void {
  if (window !== null && !window.isDestroyed()) window.webContents.send(channel, value);
}

function showStatus(snapshot: ClusterSnapshot | null): void {
  const next = clusterStatusLine(snapshot);
  if (next.label === status.label && next.tooltip === status.tooltip) return;
  status = next;
  tray?.show(status);
  Menu.setApplicationMenu(buildAppMenu(menuActions, { status: status.label, development, platform: process.platform }));
}

async function startManager(nodeCount?: number): Promise<void> {
  const started = await Manager.start({
    holder: 'app',
    dataDir,
    launcher: utilityProcessLauncher,
    command: paths.nodeCommand,
    // The window gets the dashboard from app://; the manager serves it too, for a web start on
    // the same data dir that hands over to this app and opens its URL in a browser.
    rendererDir: paths.rendererDir,
    nodeCount,
    // The manager keeps the watched folders and serves them over /api like in web mode; main only
    // adds folders the user picked natively (the page may not name one: see refusedRoutes).
    watchFolders: true,
    // The seed's ports when free (its curl examples then work); DFS_DESKTOP_SEED_PORTS=0 for any.
    seedPorts: process.env.DFS_DESKTOP_SEED_PORTS !== '0',
    logger,
  });
  manager = started;
  stopWatchingSnapshots = started.bus.subscribe((event) => {
    if (event.name === 'snapshot') showStatus(event.data);
  });
  showStatus(started.snapshot());
}

async function stopManager(): Promise<void> {
  const stopping = manager;
  manager = null;
  stopWatchingSnapshots?.();
  stopWatchingSnapshots = null;
  appProtocol.closeEventStreams();
  showStatus(null);
  await stopping?.stop();
}

/** Replaces the local cluster with a fresh one of `nodeCount` nodes and shows it. */
async function recreateLocalCluster(nodeCount: number): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    await manager?.profiles.setActive('local');
    await stopManager();
    await deleteLocalCluster(dataDir);
    await startManager(nodeCount);
  } catch (err) {
    logger.error({ err }, 'replacing the local cluster failed');
    dialog.showErrorBox('The cluster could not be replaced', (err as Error).message);
  } finally {
    busy = false;
  }
}

/** The native folder picker; the chosen folder's path, or null when cancelled. */
async function chooseFolder(title: string, buttonLabel: string): Promise<string | null> {
  const options = { title, buttonLabel, properties: ['openDirectory' as const, 'createDirectory' as const] };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  const chosen = result.filePaths[0];
  return result.canceled || chosen === undefined ? null : chosen;
}

/** The native folder picker, then the chosen folder is watched; null when cancelled. */
async function chooseAndWatchFolder(): Promise<WatchedFolder | null> {
  const watched = manager?.watchedFolders;
  if (!watched) throw new Error('the cluster manager is not running');
  const chosen = await chooseFolder('Choose a folder to keep in the cluster', 'Watch Folder');
  return chosen === null ? null : watched.add(chosen);
}

/** Where "Back up now" saves: the page only sends the path the user picked here to the control API. */
const chooseBackupFolder = (): Promise<string | null> => chooseFolder('Choose a folder for the backup', 'Save Backup Here');

async function confirm(message: string, detail: string, buttons: string[]): Promise<number> {
  const options = { type: 'warning' as const, message, detail, buttons, defaultId: buttons.length - 1, cancelId: buttons.length - 1, noLink: true };
  const result = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
  return result.response;
}

const keeps = 'Attach profiles, watched folders and the files in your own folders are kept.';

const menuActions: MenuActions = {
  showDashboard,
  async newCluster() {
    const choice = await confirm(
      'Start a new local cluster?',
      `The local cluster's nodes are stopped and all of its files are deleted. ${keeps}`,
      ['3 nodes', '5 nodes', 'Cancel'],
    );
    if (choice === 0 || choice === 1) await recreateLocalCluster(choice === 0 ? 3 : 5);
  },
  attachCluster() {
    showDashboard();
    sendToDashboard(CHANNELS.menuCommand, 'attach-cluster' satisfies MenuCommand);
  },
  async resetCluster() {
    const snapshot = manager?.snapshot();
    const size = snapshot?.mode === 'local' && snapshot.nodes.length > 0 ? snapshot.nodes.length : 3;
    const choice = await confirm(
      'Reset the local cluster?',
      `Every file stored in it is deleted and its ${size} nodes start again empty. ${keeps} This cannot be undone.`,
      ['Reset Cluster', 'Cancel'],
    );
    if (choice === 0) await recreateLocalCluster(size);
  },
  async watchFolder() {
    showDashboard();
    await chooseAndWatchFolder().catch((err: Error) => dialog.showErrorBox('The folder cannot be watched', err.message));
  },
  openDataFolder() {
    void shell.openPath(dataDir);
  },
};

/** Stops the watchers and the nodes (bounded), then lets the quit go on. */
function quitGracefully(event: Electron.Event): void {
  if (quitting === 'done') return;
  event.preventDefault();
  if (quitting === 'stopping') return;
  quitting = 'stopping';
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, QUIT_DEADLINE_MS).unref());
  const stopAll = stopManager().catch((err: unknown) => logger.error({ err }, 'stopping the cluster failed'));
  void Promise.race([stopAll, deadline]).finally(() => {
    tray?.destroy();
    tray = null;
    logger.flush();
    quitting = 'done';
    app.quit();
  });
}

/**
 * Web mode (or another app on this data folder) already runs the cluster: like Electron's own
 * second instance, show that one's dashboard instead (in the browser, where it lives) and quit.
 */
async function handOver(busy: ClusterBusyError): Promise<void> {
  const handover = await planHandover(busy, true);
  process.stdout.write(`${handover.line}\n`);
  logger.info({ owner: busy.owner }, 'cluster managed elsewhere: handed over');
  if (handover.url !== null) await shell.openExternal(handover.url);
  app.exit(handover.exitCode);
}

function missingBuild(): string | null {
  if (!existsSync(path.join(paths.rendererDir, 'index.html'))) return `The dashboard is not built (${paths.rendererDir}). Run: node scripts/build.js renderer`;
  if (!existsSync(paths.nodeCommand.modulePath)) return `The node runtime is not built (${paths.nodeCommand.modulePath}). Run: node scripts/build.js node`;
  return null;
}

async function start(): Promise<void> {
  await app.whenReady();
  const missing = missingBuild();
  if (missing !== null) {
    dialog.showErrorBox('DFS Desktop cannot start', missing);
    app.exit(1);
    return;
  }
  restrictPermissions();
  protocol.handle(APP_SCHEME, (request) => appProtocol.handle(request));
  registerIpcHandlers({ dataDir, watchedFolders: () => manager?.watchedFolders ?? null, chooseAndWatchFolder, chooseBackupFolder });
  Menu.setApplicationMenu(buildAppMenu(menuActions, { status: status.label, development, platform: process.platform }));
  try {
    tray = new ClusterTray(paths.icon, { ...menuActions, quit: () => app.quit() });
    tray.show(status);
  } catch (err) {
    // Some Linux desktops have no tray; the Cluster menu shows the same line.
    logger.warn({ err }, 'no tray icon');
  }
  // The window opens at once; the dashboard says "connecting" until the manager answers.
  showDashboard();
  try {
    await startManager();
  } catch (err) {
    if (err instanceof ClusterBusyError && err.owner.holder !== 'script') return handOver(err);
    logger.error({ err }, 'the manager could not start');
    dialog.showErrorBox('DFS Desktop could not start its cluster', `${(err as Error).message}\n\nDetails are in ${path.join(dataDir, 'manager.log')}.`);
    app.exit(1);
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', showDashboard);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, windowOptions));
  app.on('activate', showDashboard);
  // macOS keeps the app (and its cluster) running in the dock when the window closes.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', quitGracefully);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  void start();
}
