// `npm start`'s decisions, with an injected installer and launchers: which mode runs, what the
// user is told in one line, and when a download is attempted, remembered or retried.
import { describe, expect, it } from 'vitest';
import type { InstallResult } from '../../../scripts/start/electron-installer';
import type { RememberedFailure } from '../../../scripts/start/install-memory';
import { start, type DesktopExit, type StartParts, type StartRequest } from '../../../scripts/start/start-flow';

const BINARY = '/electron/dist/electron';

interface World {
  binaryInstalled: boolean;
  installResult: InstallResult;
  remembered: RememberedFailure | null;
  sandbox: string | null;
  desktopExit: DesktopExit;
  recognised: string | null;
}

function harness(world: Partial<World> = {}) {
  const w: World = {
    binaryInstalled: false,
    installResult: { ok: true },
    remembered: null,
    sandbox: null,
    desktopExit: { code: 0, output: '' },
    recognised: null,
    ...world,
  };
  const calls = { installs: [] as number[], desktop: [] as (readonly string[])[], web: [] as (readonly string[])[], remembered: [] as string[], forgotten: 0, said: [] as string[] };
  const parts: StartParts = {
    findBinary: () => (w.binaryInstalled ? BINARY : null),
    install: async (timeoutMs) => {
      calls.installs.push(timeoutMs);
      if (w.installResult.ok) w.binaryInstalled = true;
      return w.installResult;
    },
    memory: {
      failedRecently: () => w.remembered,
      remember: (reason) => calls.remembered.push(reason),
      forget: () => void calls.forgotten++,
    },
    sandboxProblem: () => w.sandbox,
    recogniseExit: (binary, output) => (binary === BINARY && output.includes('known') ? w.recognised : null),
    launchDesktop: async (binary, args) => {
      expect(binary).toBe(BINARY);
      calls.desktop.push(args);
      return w.desktopExit;
    },
    launchWeb: async (args) => {
      calls.web.push(args);
      return 0;
    },
    say: (line) => calls.said.push(line),
    now: () => Date.parse('2026-12-06T12:00:00Z'),
  };
  return { parts, calls };
}

function request(overrides: Partial<StartRequest> = {}): StartRequest {
  return { args: ['--nodes', '5'], web: false, desktop: false, noDisplay: null, oldNode: null, downloadTimeoutMs: 180_000, ...overrides };
}

describe('npm start: which mode runs', () => {
  it('launches an installed binary without downloading anything', async () => {
    const { parts, calls } = harness({ binaryInstalled: true });
    expect(await start(request(), parts)).toBe(0);
    expect(calls.installs).toEqual([]);
    expect(calls.desktop).toEqual([['--nodes', '5']]);
    expect(calls.web).toEqual([]);
    expect(calls.said).toEqual([]);
  });

  it("downloads a missing binary with Electron's installer, bounded by the setting, then launches it", async () => {
    const { parts, calls } = harness();
    expect(await start(request({ downloadTimeoutMs: 42_000 }), parts)).toBe(0);
    expect(calls.installs).toEqual([42_000]);
    expect(calls.forgotten).toBe(1);
    expect(calls.desktop).toHaveLength(1);
    expect(calls.web).toEqual([]);
  });

  it('serves the web dashboard with one line saying why when the download fails, and remembers it', async () => {
    const { parts, calls } = harness({ installResult: { ok: false, kind: 'network', reason: 'TypeError: fetch failed (from https://mirror.example/)' } });
    expect(await start(request(), parts)).toBe(0);
    expect(calls.said).toEqual(['Electron could not be downloaded: TypeError: fetch failed (from https://mirror.example/). Serving the web dashboard instead.']);
    expect(calls.remembered).toEqual(['TypeError: fetch failed (from https://mirror.example/)']);
    expect(calls.desktop).toEqual([]);
    expect(calls.web).toEqual([['--nodes', '5']]);
  });

  it('treats a download that ran out of time like any failed download', async () => {
    const reason = 'not finished within 180 s (DFS_DESKTOP_DOWNLOAD_TIMEOUT_S raises the bound)';
    const { parts, calls } = harness({ installResult: { ok: false, kind: 'timeout', reason } });
    await start(request(), parts);
    expect(calls.said).toEqual([`Electron could not be downloaded: ${reason}. Serving the web dashboard instead.`]);
    expect(calls.remembered).toEqual([reason]);
    expect(calls.web).toHaveLength(1);
  });

  it('names the Node requirement when the installer breaks on a Node older than it asks for, not when the network failed', async () => {
    const broken = harness({ installResult: { ok: false, kind: 'other', reason: 'ERR_REQUIRE_ESM' } });
    await start(request({ oldNode: 'Node is old.' }), broken.parts);
    expect(broken.calls.said).toEqual(['Electron could not be downloaded: ERR_REQUIRE_ESM. Node is old. Serving the web dashboard instead.']);
    const offline = harness({ installResult: { ok: false, kind: 'network', reason: 'fetch failed' } });
    await start(request({ oldNode: 'Node is old.' }), offline.parts);
    expect(offline.calls.said).toEqual(['Electron could not be downloaded: fetch failed. Serving the web dashboard instead.']);
  });

  it('does not retry within the remembered interval, and says how to retry now', async () => {
    const { parts, calls } = harness({ remembered: { at: Date.parse('2026-12-06T09:00:00Z'), reason: 'TypeError: fetch failed' } });
    await start(request(), parts);
    expect(calls.installs).toEqual([]);
    expect(calls.said).toEqual(["Electron's download failed 3 h ago (TypeError: fetch failed); `npm start -- --desktop` tries again now. Serving the web dashboard instead."]);
    expect(calls.web).toHaveLength(1);
  });

  it('--desktop retries a remembered failure now, and reports a failure instead of falling back', async () => {
    const { parts, calls } = harness({ remembered: { at: Date.parse('2026-12-06T11:00:00Z'), reason: 'old' }, installResult: { ok: false, kind: 'network', reason: 'still offline' } });
    expect(await start(request({ desktop: true }), parts)).toBe(1);
    expect(calls.installs).toHaveLength(1);
    expect(calls.said).toEqual(['Electron could not be downloaded: still offline.']);
    expect(calls.web).toEqual([]);
  });

  it('--web (or DFS_DESKTOP_WEB=1) serves the dashboard without looking for or downloading Electron', async () => {
    const { parts, calls } = harness({ binaryInstalled: true });
    expect(await start(request({ web: true }), parts)).toBe(0);
    expect(calls.installs).toEqual([]);
    expect(calls.desktop).toEqual([]);
    expect(calls.web).toEqual([['--nodes', '5']]);
    expect(calls.said).toEqual([]);
  });

  it('without a display, serves the web dashboard and says so, without downloading', async () => {
    const { parts, calls } = harness();
    await start(request({ noDisplay: 'No display here.' }), parts);
    expect(calls.installs).toEqual([]);
    expect(calls.said).toEqual(['No display here. Serving the web dashboard instead.']);
    expect(calls.web).toHaveLength(1);
  });

  it('does not launch Electron into a sandbox set-up it would abort on; says the fix instead', async () => {
    const { parts, calls } = harness({ binaryInstalled: true, sandbox: 'Sandbox helper not set up; fix it with: chmod.' });
    await start(request(), parts);
    expect(calls.desktop).toEqual([]);
    expect(calls.said).toEqual(['Sandbox helper not set up; fix it with: chmod. Serving the web dashboard instead.']);
  });

  it('turns a recognised first-run failure in Electron\'s exit into its sentence and the web dashboard', async () => {
    const { parts, calls } = harness({ binaryInstalled: true, desktopExit: { code: 1, output: 'known failure' }, recognised: 'Electron said a known thing.' });
    expect(await start(request(), parts)).toBe(0);
    expect(calls.said).toEqual(['Electron said a known thing. Serving the web dashboard instead.']);
    expect(calls.web).toHaveLength(1);
  });

  it('passes any other Electron exit code through unchanged, without a fallback', async () => {
    const { parts, calls } = harness({ binaryInstalled: true, desktopExit: { code: 3, output: 'something else' } });
    expect(await start(request(), parts)).toBe(3);
    expect(calls.web).toEqual([]);
    expect(calls.said).toEqual([]);
  });

  it('says so when the installer succeeds but leaves no binary', async () => {
    const { parts, calls } = harness();
    parts.findBinary = () => null;
    await start(request(), parts);
    expect(calls.said).toEqual(["Electron's installer finished but left no binary in node_modules/electron/dist. Serving the web dashboard instead."]);
  });
});
