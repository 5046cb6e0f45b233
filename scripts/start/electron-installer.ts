// Runs Electron's own installer (node_modules/electron/install.js, built on @electron/get), so the
// download honours everything Electron documents: ELECTRON_MIRROR and friends, Electron's cache
// (electron_config_cache), electron_use_remote_checksums. We add a time bound and one progress line.
import { spawn } from 'node:child_process';

/** `network`: the mirror could not be reached or answered with an error; `other`: the installer broke. */
export type InstallFailure = 'network' | 'timeout' | 'other';
export type InstallResult = { readonly ok: true } | { readonly ok: false; readonly kind: InstallFailure; readonly reason: string };

export interface ProgressOut {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface InstallerOptions {
  readonly installScript: string;
  readonly version: string;
  readonly timeoutMs: number;
  readonly env: NodeJS.ProcessEnv;
  readonly out: ProgressOut;
}

/** How fetch and @electron/get word a download that never reached, or was refused by, the mirror. */
const NETWORK_ERROR = /fetch failed|HTTPError|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|certificate/i;

/** The first error line of the installer's output (it prints a stack), or its last line. */
export function failureLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.at(-1) ?? 'no output';
}

/** Where @electron/get downloads from, for the failure line: its mirror settings, else GitHub. */
function mirrorOf(env: NodeJS.ProcessEnv): string {
  return env.ELECTRON_MIRROR || env.npm_config_electron_mirror || env.NPM_CONFIG_ELECTRON_MIRROR || "GitHub's Electron releases";
}

/**
 * @electron/get fetches with Node's built-in fetch, which ignores HTTPS_PROXY / HTTP_PROXY by itself
 * on Node 20 (NODE_USE_ENV_PROXY arrived in Node 22.21 and 24). ELECTRON_GET_USE_PROXY makes
 * @electron/get install undici's EnvHttpProxyAgent, which honours those variables and NO_PROXY on
 * every Node version we support, so a proxy set the usual way reaches the installer.
 */
function installerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const proxied = Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
  return {
    ...env,
    // Its own progress bar would appear after 30 s on a second line; ours is the one line.
    ELECTRON_GET_NO_PROGRESS: '1',
    ...(proxied && env.ELECTRON_GET_USE_PROXY === undefined ? { ELECTRON_GET_USE_PROXY: '1' } : {}),
  };
}

/** One line that counts seconds in a terminal, and is printed once elsewhere. */
function progressLine(out: ProgressOut, label: string): (outcome: string) => void {
  const started = Date.now();
  const seconds = (): number => Math.round((Date.now() - started) / 1000);
  if (!out.isTTY) {
    out.write(`${label}…\n`);
    return () => {};
  }
  const draw = (): unknown => out.write(`\r${label}… ${seconds()} s`);
  draw();
  const timer = setInterval(draw, 1000);
  return (outcome) => {
    clearInterval(timer);
    out.write(`\r${label}… ${outcome} after ${seconds()} s.\n`);
  };
}

/** Runs the installer once, killed after `timeoutMs`; resolves (never rejects) with what happened. */
export function runElectronInstaller(options: InstallerOptions): Promise<InstallResult> {
  const timeoutS = Math.round(options.timeoutMs / 1000);
  const finish = progressLine(options.out, `Downloading Electron ${options.version} for the desktop app (first start only, about 110 MB, at most ${timeoutS} s)`);
  const signal = AbortSignal.timeout(options.timeoutMs);
  const child = spawn(process.execPath, [options.installScript], { env: installerEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'], signal });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-16_384);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => {
    // With `signal`, a timeout kills the child and emits 'error' (AbortError) before 'close'.
    child.on('error', () => {});
    child.on('close', (code) => {
      if (code === 0) {
        finish('done');
        resolve({ ok: true });
      } else if (signal.aborted) {
        finish('stopped');
        resolve({ ok: false, kind: 'timeout', reason: `not finished within ${timeoutS} s (DFS_DESKTOP_DOWNLOAD_TIMEOUT_S raises the bound)` });
      } else {
        finish('failed');
        const line = failureLine(output);
        resolve({ ok: false, kind: NETWORK_ERROR.test(line) ? 'network' : 'other', reason: `${line} (from ${mirrorOf(options.env)})` });
      }
    });
  });
}
