// What `npm start` does, as one function over injected parts so every path is unit-tested: the
// desktop app when Electron can run here (downloading its binary on the first start), otherwise
// the web dashboard with one line that says why. `--desktop` turns each fallback into an error.
import type { InstallResult } from './electron-installer';
import type { InstallMemory } from './install-memory';

export interface StartRequest {
  /** Arguments for the app (`--web` and `--desktop` already taken out). */
  readonly args: readonly string[];
  /** `--web` or DFS_DESKTOP_WEB=1: no Electron, no download. */
  readonly web: boolean;
  /** `--desktop`: retry a remembered failed download now, and fail instead of falling back. */
  readonly desktop: boolean;
  /** Why this machine cannot show a window (see missingDisplay), or null. */
  readonly noDisplay: string | null;
  /** Why this Node may be too old for Electron's installer (see nodeBelowRequirement), or null;
   *  told only when the installer broke for a reason other than the network. */
  readonly oldNode: string | null;
  readonly downloadTimeoutMs: number;
}

export interface DesktopExit {
  readonly code: number;
  /** What Electron wrote to stderr (its tail), to recognise a first-run failure. */
  readonly output: string;
}

export interface StartParts {
  /** The installed Electron binary, or null. */
  findBinary(): string | null;
  install(timeoutMs: number): Promise<InstallResult>;
  readonly memory: InstallMemory;
  /** A sandbox set-up Electron would abort on (see sandboxProblem), or null. */
  sandboxProblem(binary: string): string | null;
  /** A sentence for a known first-run failure in Electron's exit (see recogniseElectronExit). */
  recogniseExit(binary: string, output: string): string | null;
  launchDesktop(binary: string, args: readonly string[]): Promise<DesktopExit>;
  launchWeb(args: readonly string[]): Promise<number>;
  say(line: string): void;
  now(): number;
}

type BinaryOrReason = { readonly binary: string } | { readonly reason: string };

function ago(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  return minutes < 120 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
}

async function download(request: StartRequest, parts: StartParts): Promise<BinaryOrReason> {
  const remembered = request.desktop ? null : parts.memory.failedRecently();
  if (remembered) {
    return { reason: `Electron's download failed ${ago(parts.now() - remembered.at)} (${remembered.reason}); \`npm start -- --desktop\` tries again now.` };
  }
  const result = await parts.install(request.downloadTimeoutMs);
  if (!result.ok) {
    parts.memory.remember(result.reason);
    const oldNode = result.kind === 'other' && request.oldNode ? ` ${request.oldNode}` : '';
    return { reason: `Electron could not be downloaded: ${result.reason}.${oldNode}` };
  }
  parts.memory.forget();
  const binary = parts.findBinary();
  return binary ? { binary } : { reason: "Electron's installer finished but left no binary in node_modules/electron/dist." };
}

async function desktopBinary(request: StartRequest, parts: StartParts): Promise<BinaryOrReason> {
  if (request.noDisplay) return { reason: request.noDisplay };
  const found = parts.findBinary();
  const got = found ? { binary: found } : await download(request, parts);
  if (!('binary' in got)) return got;
  const problem = parts.sandboxProblem(got.binary);
  return problem ? { reason: problem } : got;
}

/** Runs the app the way this machine allows; resolves with the exit code for `npm start`. */
export async function start(request: StartRequest, parts: StartParts): Promise<number> {
  if (request.web) return parts.launchWeb(request.args);
  const fallBack = (reason: string): Promise<number> => {
    if (request.desktop) {
      parts.say(reason);
      return Promise.resolve(1);
    }
    parts.say(`${reason} Serving the web dashboard instead.`);
    return parts.launchWeb(request.args);
  };
  const got = await desktopBinary(request, parts);
  if (!('binary' in got)) return fallBack(got.reason);
  const exit = await parts.launchDesktop(got.binary, request.args);
  const known = exit.code === 0 ? null : parts.recogniseExit(got.binary, exit.output);
  return known ? fallBack(known) : exit.code;
}
