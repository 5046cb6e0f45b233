// The dashboard window and the rules every web page in the app lives by: no navigation away from
// app://, no new windows except the app's own, vetted https links to the system browser, no
// <webview>, and only the permissions the security policy lists.
import { BrowserWindow, session, shell, type WebContents } from 'electron';
import {
  ALLOWED_PERMISSIONS,
  APP_ENTRY_URL,
  isAppUrl,
  isSafeExternalUrl,
  windowWebPreferences,
} from '../manager/control-api/security-policy';

export interface WindowOptions {
  readonly preload: string;
  readonly icon: string;
  readonly devTools: boolean;
}

export function createDashboardWindow(options: WindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'DFS Desktop',
    icon: options.icon,
    show: false,
    backgroundColor: '#1a2030',
    webPreferences: windowWebPreferences(options.preload, { devTools: options.devTools }),
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

/** Hands a link to the system browser if it passes the check; never throws. */
export function openExternalIfSafe(url: string): void {
  if (isSafeExternalUrl(url)) void shell.openExternal(url).catch(() => {});
}

/** Applied to every WebContents the app creates (app.on('web-contents-created')). */
export function hardenWebContents(contents: WebContents, options: WindowOptions): void {
  contents.on('will-navigate', (event) => {
    if (isAppUrl(event.url)) return;
    // A plain link out of the app opens in the system browser (if it passes the check), never here.
    event.preventDefault();
    openExternalIfSafe(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAppUrl(url)) {
      return { action: 'allow', overrideBrowserWindowOptions: { webPreferences: windowWebPreferences(options.preload, { devTools: options.devTools }) } };
    }
    openExternalIfSafe(url);
    return { action: 'deny' };
  });
}

/** Only the listed permissions, and only for the app's own pages. */
export function restrictPermissions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(ALLOWED_PERMISSIONS.includes(permission) && isAppUrl(details.requestingUrl));
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => ALLOWED_PERMISSIONS.includes(permission) && isAppUrl(requestingOrigin));
}
