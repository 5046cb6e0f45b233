// The installer runner against stand-in install scripts (real child processes): a success, a
// failure reported as its error line, a hang cut off at the time bound, and the progress line.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureLine, runElectronInstaller, type ProgressOut } from '../../../scripts/start/electron-installer';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-installer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, body);
  return file;
}

function capture(isTTY: boolean): ProgressOut & { text: string } {
  return {
    isTTY,
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

describe('runElectronInstaller', () => {
  it("passes the environment through, turns on @electron/get's proxy support where a proxy is set, and silences @electron/get's own bar", async () => {
    const record = path.join(dir, 'env.json');
    const installScript = await script(
      'ok.cjs',
      `require('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ mirror: process.env.ELECTRON_MIRROR, proxy: process.env.ELECTRON_GET_USE_PROXY, quiet: process.env.ELECTRON_GET_NO_PROGRESS }));`,
    );
    const out = capture(false);
    const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/', HTTPS_PROXY: 'http://127.0.0.1:8/' };
    delete env.ELECTRON_GET_USE_PROXY;
    expect(await runElectronInstaller({ installScript, version: '42.0.0', timeoutMs: 30_000, env, out })).toEqual({ ok: true });
    expect(JSON.parse(await readFile(record, 'utf8'))).toEqual({ mirror: 'http://127.0.0.1:9/', proxy: '1', quiet: '1' });
    expect(out.text).toBe('Downloading Electron 42.0.0 for the desktop app (first start only, about 110 MB, at most 30 s)…\n');
  });

  it('reports a failure as the error line of its output, with where it downloaded from', async () => {
    const installScript = await script('fail.cjs', "console.error('TypeError: fetch failed\\n    at somewhere (file.js:1:1)'); process.exit(1);");
    const result = await runElectronInstaller({ installScript, version: '42.0.0', timeoutMs: 30_000, env: { ELECTRON_MIRROR: 'http://127.0.0.1:9/' }, out: capture(false) });
    expect(result).toEqual({ ok: false, kind: 'network', reason: 'TypeError: fetch failed (from http://127.0.0.1:9/)' });
  });

  it('tells a broken installer from a network failure', async () => {
    const installScript = await script('broken.cjs', "console.error('Error [ERR_REQUIRE_ESM]: require() of ES Module not supported.'); process.exit(1);");
    const result = await runElectronInstaller({ installScript, version: '42.0.0', timeoutMs: 30_000, env: {}, out: capture(false) });
    expect(result).toEqual({ ok: false, kind: 'other', reason: "Error [ERR_REQUIRE_ESM]: require() of ES Module not supported. (from GitHub's Electron releases)" });
  });

  it('stops an installer that runs past the bound, well before it would finish', async () => {
    const installScript = await script('hang.cjs', 'setInterval(() => {}, 1000);');
    const out = capture(true);
    const started = Date.now();
    const result = await runElectronInstaller({ installScript, version: '42.0.0', timeoutMs: 1_500, env: process.env, out });
    expect(result).toEqual({ ok: false, kind: 'timeout', reason: 'not finished within 2 s (DFS_DESKTOP_DOWNLOAD_TIMEOUT_S raises the bound)' });
    expect(Date.now() - started).toBeLessThan(20_000);
    // In a terminal the one line is redrawn in place and ends with the outcome.
    expect(out.text.split('\n')).toHaveLength(2);
    expect(out.text).toMatch(/^\rDownloading Electron 42\.0\.0 .*… stopped after \d+ s\.\n$/s);
  });
});

describe('failureLine', () => {
  it('picks the first error line of a stack, else the last line', () => {
    expect(failureLine('noise\nHTTPError: Response code 404 (Not Found) for http://x/y.zip\n    at a\n')).toBe('HTTPError: Response code 404 (Not Found) for http://x/y.zip');
    expect(failureLine('Error: Electron builds are not available on platform: aix\n')).toBe('Error: Electron builds are not available on platform: aix');
    expect(failureLine('first\nlast\n')).toBe('last');
    expect(failureLine('')).toBe('no output');
  });
});
