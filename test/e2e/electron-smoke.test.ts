// The desktop app, end to end, where an Electron binary is installed (ELECTRON_PATH, or the
// electron package's downloaded binary): it opens one window on app://, the dashboard shows three
// nodes and one leader, /api answers through main's forwarding, the page has no Node.js and only
// the named bridge, and quitting stops every node. Elsewhere the test reports itself skipped.
// Without Electron, a second test still holds the real dashboard to the app's exact
// Content-Security-Policy in Chromium (web mode, the CSP header added to the page): no violations
// on any tab.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, chromium, type Browser, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../node-runtime/common/manager-api';
import { CONTENT_SECURITY_POLICY } from '../../electron/manager/control-api/security-policy';
import { repoRoot, waitFor } from '../cluster/harness';
import { CHROMIUM_ARGS, chromiumOrSkip } from './support/chromium';
import { startWebMode, type WebMode } from './support/web-mode';

/** The Electron binary without importing 'electron' (which would try to download it). */
function electronBinary(): string | null {
  if (process.env.ELECTRON_PATH) return existsSync(process.env.ELECTRON_PATH) ? process.env.ELECTRON_PATH : null;
  const pathFile = path.join(repoRoot, 'node_modules/electron/path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(repoRoot, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const skipReason = 'no Electron binary here (set ELECTRON_PATH or let the electron package download its binary)';
if (binary === null) console.log(`electron-smoke: skipped — ${skipReason}`);

describe('DFS Desktop (Electron)', () => {
  let app: ElectronApplication | null = null;
  let dataDir = '';

  afterAll(async () => {
    await app?.close().catch(() => {});
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it.skipIf(binary === null)(`opens the dashboard with three nodes and a leader, then quits stopping them${binary === null ? ` (skipped: ${skipReason})` : ''}`, async () => {
    execFileSync(process.execPath, ['scripts/build.js', 'electron', 'node', 'renderer'], { cwd: repoRoot, stdio: 'pipe' });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dfs-desktop-e2e-'));
    app = await electron.launch({
      executablePath: binary!,
      // Chromium refuses to run as root with its sandbox; CI containers often are root.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), repoRoot],
      env: { ...process.env, DFS_DESKTOP_DATA_DIR: dataDir, DFS_DESKTOP_SEED_PORTS: '0' } as Record<string, string>,
      timeout: 60_000,
    });
    const page: Page = await app.firstWindow();
    expect(page.url()).toBe('app://dfs/index.html');

    await waitFor('three node cards', async () => (await page.locator('section[aria-label^="Node "]').count()) === 3, 60_000, 250);
    await waitFor('one leader', async () => (await page.locator('section[aria-label^="Node "][data-leader="true"]').count()) === 1, 60_000, 250);

    // The page's own relative /api request, answered through main's forwarding (token added there).
    const snapshot = await page.evaluate(async () => (await (await fetch('/api/cluster')).json()) as ClusterSnapshot);
    expect(snapshot.nodes).toHaveLength(3);
    expect(snapshot.leaderId).not.toBeNull();

    const pageFacts = await page.evaluate(async () => {
      const res = await fetch('/index.html');
      const bridge = (window as unknown as { dfsDesktop?: Record<string, unknown> }).dfsDesktop;
      return {
        csp: res.headers.get('content-security-policy'),
        hasRequire: typeof (window as unknown as { require?: unknown }).require !== 'undefined',
        hasProcess: typeof (window as unknown as { process?: unknown }).process !== 'undefined',
        bridge: bridge ? Object.keys(bridge).sort() : null,
      };
    });
    expect(pageFacts.csp).toBe(CONTENT_SECURITY_POLICY);
    expect(pageFacts.hasRequire).toBe(false);
    expect(pageFacts.hasProcess).toBe(false);
    expect(pageFacts.bridge).toEqual(['chooseBackupFolder', 'chooseFolderToWatch', 'onMenuCommand', 'openDataFolder', 'platform', 'revealInFolder']);

    await app.close();
    app = null;
    for (const node of snapshot.nodes) {
      await waitFor(`node ${node.id} to be stopped`, async () => {
        try {
          await fetch(`${node.httpUrl}/livez`, { signal: AbortSignal.timeout(1000) });
          return false;
        } catch {
          return true;
        }
      }, 20_000);
    }
  });
});

const chromiumPath = chromiumOrSkip();

describe.skipIf(chromiumPath === null)('the dashboard under the app’s Content-Security-Policy (Chromium, web mode)', () => {
  let web: WebMode | null = null;
  let browser: Browser | null = null;

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it('shows three nodes and a leader, and no tab trips the policy', async () => {
    web = await startWebMode();
    browser = await chromium.launch({ executablePath: chromiumPath as string, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.exposeFunction('reportCspViolation', (text: string) => violations.push(text));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI} sample=${JSON.stringify(event.sample)}`);
      });
    });
    // The first visit trades the URL's token for the session cookie (a redirect, which routes do
    // not see); then the dashboard is loaded again with the policy on its document, as app:// sends it.
    await page.goto(web.url);
    await page.route((url) => !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/assets/'), async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CONTENT_SECURITY_POLICY } });
    });
    const served = await page.goto(`${web.origin}/`);
    expect(served?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);

    await waitFor('three node cards', async () => (await page.locator('section[aria-label^="Node "]').count()) === 3, 60_000, 250);
    await waitFor('one leader', async () => (await page.locator('section[aria-label^="Node "][data-leader="true"]').count()) === 1, 60_000, 250);
    const tabs = page.getByRole('tab');
    const count = await tabs.count();
    expect(count).toBeGreaterThan(1);
    for (let i = 0; i < count; i++) {
      await tabs.nth(i).click();
      await waitFor(`tab ${i} selected`, async () => (await tabs.nth(i).getAttribute('aria-selected')) === 'true', 10_000, 50);
    }
    const csp = await page.evaluate(async () => (await fetch('/')).headers.get('content-security-policy'));
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    // zod probes once with `new Function("")` whether it may compile parsers, catches the refusal
    // and parses without (harmless, but reported); `z.config({ jitless: true })` in the renderer
    // would skip the probe. Any other violation — or any eval of real code — fails here.
    const zodEvalProbe = 'script-src blocked eval sample=""';
    expect(violations.filter((v) => v !== zodEvalProbe)).toEqual([]);

    // Control: the policy is in force and a violation would have been seen — an inline script is refused.
    const inlineRan = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineScriptRan = true';
      document.head.append(script);
      return (window as unknown as { inlineScriptRan?: boolean }).inlineScriptRan === true;
    });
    expect(inlineRan).toBe(false);
    await waitFor('the inline script reported as a violation', () => violations.some((v) => v.includes('script-src')), 10_000, 50);
  });
});
