// Wires `npm start`: the settings from flags and environment, the real installer, launchers and
// checks, handed to start() (start-flow.ts), which holds every decision.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { runElectronInstaller } from './electron-installer';
import { findElectronPackage, installedBinary, type ElectronPackage } from './electron-package';
import { missingDisplay, nodeBelowRequirement, recogniseElectronExit, sandboxProblem, type SandboxHost } from './first-run-checks';
import { fileInstallMemory, type InstallMemory } from './install-memory';
import { launchDesktop, launchWeb } from './processes';
import { start, type StartRequest } from './start-flow';

/** A positive number from the environment (DFS_DESKTOP_DOWNLOAD_TIMEOUT_S, DFS_DESKTOP_RETRY_AFTER_H), else its default. */
function numberSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name]);
  return env[name] && Number.isFinite(value) && value > 0 ? value : fallback;
}

const sandboxHost: SandboxHost = {
  platform: process.platform,
  uid: process.getuid?.() ?? null,
  readSysctl(name) {
    try {
      return readFileSync(`/proc/sys/${name}`, 'utf8').trim();
    } catch {
      return null;
    }
  },
  statHelper(helperPath) {
    try {
      return statSync(helperPath);
    } catch {
      return null;
    }
  },
};

const noMemory: InstallMemory = { failedRecently: () => null, remember: () => {}, forget: () => {} };

function helperPath(binary: string): string {
  return path.join(path.dirname(binary), 'chrome-sandbox');
}

export function main(root: string, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const pkg: ElectronPackage | null = findElectronPackage(root);
  const retryAfterMs = numberSetting(env, 'DFS_DESKTOP_RETRY_AFTER_H', 12) * 3_600_000;
  const stateDir = env.DFS_DESKTOP_STATE_DIR || path.join(root, 'node_modules/.cache/dfs-desktop');
  const request: StartRequest = {
    args: argv.filter((a) => a !== '--web' && a !== '--desktop'),
    web: argv.includes('--web') || env.DFS_DESKTOP_WEB === '1',
    desktop: argv.includes('--desktop'),
    noDisplay: missingDisplay(process.platform, env),
    oldNode: nodeBelowRequirement(process.versions.node, pkg?.nodeRange ?? null),
    downloadTimeoutMs: numberSetting(env, 'DFS_DESKTOP_DOWNLOAD_TIMEOUT_S', 180) * 1000,
  };
  return start(request, {
    findBinary: () => {
      if (env.ELECTRON_PATH) return existsSync(env.ELECTRON_PATH) ? env.ELECTRON_PATH : null;
      return pkg ? installedBinary(pkg) : null;
    },
    install: (timeoutMs) =>
      pkg
        ? runElectronInstaller({ installScript: pkg.installScript, version: pkg.version, timeoutMs, env, out: process.stdout })
        : Promise.resolve({ ok: false, kind: 'other', reason: 'the electron package is not installed (run npm install)' }),
    memory: pkg ? fileInstallMemory(stateDir, pkg.version, retryAfterMs) : noMemory,
    sandboxProblem: (binary) => sandboxProblem(sandboxHost, helperPath(binary)),
    recogniseExit: (binary, output) => recogniseElectronExit(output, helperPath(binary)),
    launchDesktop: (binary, args) => launchDesktop(root, binary, args),
    launchWeb: (args) => launchWeb(root, args),
    say: (line) => console.log(line),
    now: Date.now,
  });
}
