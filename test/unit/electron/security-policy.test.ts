// Electron's security checklist, pinned: the window's webPreferences, the app:// privileges, the
// Content-Security-Policy header and the URL checks main.ts applies to navigation and IPC.
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_PERMISSIONS,
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_RESPONSE_HEADERS,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  isAppUrl,
  isSafeExternalUrl,
  windowWebPreferences,
} from '../../../electron/manager/control-api/security-policy';

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((part) => {
    const [name, ...sources] = part.trim().split(/\s+/);
    return [name ?? '', sources];
  }));
}

describe('BrowserWindow webPreferences', () => {
  const prefs = windowWebPreferences('/app/dist/electron/preload.cjs', { devTools: false });

  it('isolates and sandboxes the page, with no Node.js anywhere in it', () => {
    expect(prefs).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
    });
  });

  it('keeps web security on and the risky features off', () => {
    expect(prefs).toMatchObject({
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
  });

  it('opens dev tools only when asked (development)', () => {
    expect(prefs.devTools).toBe(false);
    expect(windowWebPreferences('p', { devTools: true }).devTools).toBe(true);
  });
});

describe('the app:// scheme', () => {
  it('is a standard secure origin reachable by fetch, XHR and EventSource, with CSP enforced', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({
      standard: true,
      secure: true,
      supportFetchAPI: true,
      stream: true,
      bypassCSP: false,
      corsEnabled: false,
      allowServiceWorkers: false,
    });
    expect(APP_ORIGIN).toBe('app://dfs');
    expect(APP_ENTRY_URL).toBe('app://dfs/index.html');
  });
});

describe('Content-Security-Policy', () => {
  const csp = directives(CONTENT_SECURITY_POLICY);

  it('is the exact policy we reviewed', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; manifest-src 'self'; media-src 'none'; object-src 'none'; frame-src 'none'; " +
        "worker-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('denies by default and allows scripts only from the app itself', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    for (const sources of csp.values()) {
      expect(sources).not.toContain("'unsafe-eval'");
      expect(sources).not.toContain("'unsafe-inline'");
      expect(sources).not.toContain('*');
      expect(sources.some((s) => s.startsWith('http'))).toBe(false);
    }
  });

  it('lets the page talk only to its own origin (the /api forwarded by main)', () => {
    expect(csp.get('connect-src')).toEqual(["'self'"]);
  });

  it('forbids plugins, frames, <base> and form posts, and framing the window', () => {
    for (const directive of ['object-src', 'frame-src', 'base-uri', 'form-action', 'frame-ancestors']) {
      expect(csp.get(directive), directive).toEqual(["'none'"]);
    }
  });

  it('is sent as a header with every app:// response, with nosniff and no referrer', () => {
    expect(APP_RESPONSE_HEADERS['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(APP_RESPONSE_HEADERS['x-content-type-options']).toBe('nosniff');
    expect(APP_RESPONSE_HEADERS['referrer-policy']).toBe('no-referrer');
  });
});

describe('which URLs are the app', () => {
  it.each([
    ['app://dfs/index.html', true],
    ['app://dfs/', true],
    ['app://dfs/api/cluster', true],
    ['APP://DFS/index.html', true],
    ['app://other/index.html', false],
    ['app://user:pw@dfs/index.html', false],
    ['file:///etc/passwd', false],
    ['https://dfs/index.html', false],
    ['http://127.0.0.1:8080/', false],
    ['devtools://devtools/bundled/inspector.html', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isAppUrl(url)).toBe(expected);
  });
});

describe('which links may open outside the app', () => {
  it.each([
    ['https://github.com/dfs-desktop/dfs', true],
    ['https://example.com/docs?q=1#x', true],
    ['http://example.com/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['smb://server/share', false],
    ['ms-msdt:/id PCWDiagnostic', false],
    ['https://user:pw@example.com/', false],
    ['https://localhost/', false],
    ['https://exa mple.com/', false],
    ['https://example.com/\n', false],
    ['', false],
  ])('%j → %s', (url, expected) => {
    expect(isSafeExternalUrl(url)).toBe(expected);
  });
});

describe('permissions', () => {
  it('grants at most writing to the clipboard', () => {
    expect(ALLOWED_PERMISSIONS).toEqual(['clipboard-sanitized-write']);
  });
});
