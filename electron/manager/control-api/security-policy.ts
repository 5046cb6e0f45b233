// The desktop window's security settings, as data: Electron's main process applies them and a
// unit test under plain Node pins them, so weakening one is a visible diff plus a failing test.
// Nothing here imports 'electron'; the shapes match BrowserWindow's webPreferences and
// protocol.registerSchemesAsPrivileged.

/** The dashboard's scheme and origin in the app: `app://dfs/index.html`, `app://dfs/api/...`. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'dfs';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges of the app:// scheme. `standard` + `secure` give it a real origin (so relative URLs,
 * 'self' in the CSP and same-origin rules work as on https); `supportFetchAPI` lets fetch,
 * XMLHttpRequest and EventSource reach it; `stream` lets responses (SSE, downloads) stream.
 * Deliberately absent: `bypassCSP` and `corsEnabled` — no other origin ever talks to it.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  stream: true,
  bypassCSP: false,
  corsEnabled: false,
  allowServiceWorkers: false,
} as const;

/** The subset of Electron's WebPreferences we set; every security-relevant one is spelled out. */
export interface SecureWebPreferences {
  readonly preload: string;
  readonly contextIsolation: true;
  readonly sandbox: true;
  readonly nodeIntegration: false;
  readonly nodeIntegrationInWorker: false;
  readonly nodeIntegrationInSubFrames: false;
  readonly webSecurity: true;
  readonly allowRunningInsecureContent: false;
  readonly experimentalFeatures: false;
  readonly webviewTag: false;
  readonly navigateOnDragDrop: false;
  readonly safeDialogs: true;
  readonly spellcheck: false;
  readonly devTools: boolean;
}

/** Electron's security checklist, items 2–6 and 8–10, for the one dashboard window. */
export function windowWebPreferences(preload: string, options: { devTools: boolean }): SecureWebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    // Files dropped on the window go to the dashboard's upload handler, never replace the page.
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: options.devTools,
  };
}

/**
 * The Content-Security-Policy sent as a header on every app:// response. The dashboard is one
 * Vite bundle of same-origin scripts and stylesheets that talks only to `/api/...` (fetch,
 * XMLHttpRequest, EventSource), so everything else is refused: no inline or eval'd script, no
 * inline <style>, no plugins, frames, workers, forms or <base>, and no framing of the window.
 * React's `style={...}` props go through the CSSOM, which `style-src 'self'` does not block.
 */
export const CONTENT_SECURITY_POLICY_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'manifest-src': ["'self'"],
  'media-src': ["'none'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'worker-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

export const CONTENT_SECURITY_POLICY = Object.entries(CONTENT_SECURITY_POLICY_DIRECTIVES)
  .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
  .join('; ');

/** Headers added to every app:// response (the CSP plus the usual hardening headers). */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Only features Chromium knows: an unknown one (bluetooth) prints a console warning on every load.
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
};

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for URLs of the dashboard itself (what the window may show and which frames may use IPC). */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.host.toLowerCase() === APP_HOST && parsed.username === '' && parsed.password === '';
}

/**
 * Whether a link may be handed to the operating system (`shell.openExternal`): https only, a
 * real host name, no credentials, and no control characters that some URL handlers mangle.
 */
export function isSafeExternalUrl(url: string): boolean {
  if ([...url].some((ch) => ch.charCodeAt(0) < 0x21 || ch.charCodeAt(0) === 0x7f)) return false;
  const parsed = parse(url);
  if (parsed === null || parsed.protocol !== 'https:') return false;
  if (parsed.username !== '' || parsed.password !== '') return false;
  return /^[a-z0-9.-]+$/i.test(parsed.hostname) && parsed.hostname.includes('.');
}

/** Permissions the dashboard may use (everything else — camera, notifications, … — is refused). */
export const ALLOWED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];
