// Finds a Chromium to drive: CHROMIUM_PATH, Debian's /usr/bin/chromium, then Playwright's own
// cache. Without one the browser suite reports itself skipped (one line saying why) — unless
// REQUIRE_E2E=1, as in CI, where a missing browser is a failure.
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function fromPlaywrightCache(): string | null {
  const cache = path.join(os.homedir(), '.cache', 'ms-playwright');
  if (!existsSync(cache)) return null;
  for (const dir of readdirSync(cache).filter((d) => d.startsWith('chromium')).sort().reverse()) {
    for (const binary of ['chrome-linux/chrome', 'chrome-linux64/chrome', 'chrome-mac/Chromium.app/Contents/MacOS/Chromium']) {
      const candidate = path.join(cache, dir, binary);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

export function findChromium(): { path: string } | { path: null; reason: string } {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv } : { path: null, reason: `CHROMIUM_PATH=${fromEnv} does not exist` };
  if (existsSync('/usr/bin/chromium')) return { path: '/usr/bin/chromium' };
  const cached = fromPlaywrightCache();
  if (cached) return { path: cached };
  return { path: null, reason: 'no Chromium found (set CHROMIUM_PATH, or `apt-get install -y chromium`)' };
}

/** The browser suite's verdict: run with this browser, or skip with a reason (failing when required). */
export function chromiumOrSkip(): string | null {
  const found = findChromium();
  if (found.path !== null) return found.path;
  if (process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${found.reason}`);
  console.log(`e2e skipped: ${found.reason}`);
  return null;
}

/** Flags for a headless Chromium on a machine whose network is closed (see DEVELOPERS.md). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
