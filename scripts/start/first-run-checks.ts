// Electron's known first-run failures, each turned into one sentence that names the fix: found
// before launch where the machine can tell, or recognised in what Electron printed on its way out.
// None of them is ever "fixed" by turning Chromium's sandbox off.
import type { Stats } from 'node:fs';

/** Linux and the BSDs draw windows through X11 or Wayland; macOS and Windows always have a display. */
export function missingDisplay(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string | null {
  if (platform === 'darwin' || platform === 'win32') return null;
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return null;
  return 'There is no display here (DISPLAY and WAYLAND_DISPLAY are unset), so the desktop app cannot open a window.';
}

function parseVersion(text: string): [number, number, number] | null {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * Electron's installer states its Node requirement as `>= X.Y.Z` in `engines.node`. Older Node may
 * still manage the download, so this only explains a failure; it never blocks the attempt.
 */
export function nodeBelowRequirement(nodeVersion: string, range: string | null): string | null {
  const minimum = range && /^\s*>=\s*v?\d+\.\d+\.\d+\s*$/.test(range) ? parseVersion(range) : null;
  const current = parseVersion(nodeVersion);
  if (!minimum || !current) return null;
  for (let i = 0; i < 3; i++) {
    if (current[i]! > minimum[i]!) return null;
    if (current[i]! < minimum[i]!) {
      return `Electron's installer asks for Node ${minimum.join('.')} or newer and this is Node ${current.join('.')}: if the network is fine, a newer Node is the fix (web mode runs on this one).`;
    }
  }
  return null;
}

/** How the machine is set up for Chromium's Linux sandbox. */
export interface SandboxHost {
  readonly platform: NodeJS.Platform;
  readonly uid: number | null;
  /** A /proc/sys value such as `kernel/apparmor_restrict_unprivileged_userns`, or null when absent. */
  readSysctl(name: string): string | null;
  /** `fs.statSync` of the SUID helper, or null when it does not exist. */
  statHelper(helperPath: string): Pick<Stats, 'uid' | 'mode'> | null;
}

function suidFix(helperPath: string): string {
  return `sudo chown root '${helperPath}' && sudo chmod 4755 '${helperPath}'`;
}

/** Why unprivileged user namespaces (Chromium's preferred sandbox) are unavailable, or null. */
function userNamespacesBlocked(host: SandboxHost): string | null {
  if (host.readSysctl('kernel/apparmor_restrict_unprivileged_userns') === '1') {
    return "unprivileged user namespaces are restricted by AppArmor (kernel.apparmor_restrict_unprivileged_userns=1, Ubuntu 24.04's default)";
  }
  if (host.readSysctl('kernel/unprivileged_userns_clone') === '0') return 'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)';
  if (host.readSysctl('user/max_user_namespaces') === '0') return 'user namespaces are disabled (user.max_user_namespaces=0)';
  return null;
}

/**
 * Chromium sandboxes its renderers with user namespaces, or, where those are blocked, with the
 * SUID helper `chrome-sandbox` next to the binary, which must be owned by root with mode 4755.
 * Neither available means Electron aborts at start; this says so before launch, with the fix.
 * Root is left to Electron, which refuses it with a message `recogniseElectronExit` explains.
 */
export function sandboxProblem(host: SandboxHost, helperPath: string): string | null {
  if (host.platform !== 'linux' || host.uid === 0) return null;
  const blocked = userNamespacesBlocked(host);
  if (!blocked) return null;
  const helper = host.statHelper(helperPath);
  if (helper && helper.uid === 0 && (helper.mode & 0o4755) === 0o4755) return null;
  return `Electron's sandbox cannot start: ${blocked} and its SUID helper is not set up; fix it with: ${suidFix(helperPath)}`;
}

/** A sentence for a first-run failure Electron printed before exiting, or null for anything else. */
export function recogniseElectronExit(output: string, helperPath: string): string | null {
  if (output.includes('SUID sandbox helper binary was found, but is not configured correctly')) {
    return `Electron's sandbox helper is not set up; fix it with: ${suidFix(helperPath)}`;
  }
  if (output.includes('No usable sandbox!')) {
    return `Electron found no usable sandbox (unprivileged user namespaces are restricted, as by Ubuntu 24.04's AppArmor rule); fix it with: ${suidFix(helperPath)}`;
  }
  if (output.includes('Running as root without --no-sandbox is not supported')) {
    return 'Electron does not run as root with its sandbox on, and this app never turns the sandbox off: start it as a normal user.';
  }
  if (/Missing X server or \$DISPLAY|cannot open display/i.test(output)) {
    return 'Electron could not reach a display (is the X or Wayland session still there?).';
  }
  const library = /error while loading shared libraries: ([^:\s]+)/.exec(output)?.[1];
  if (library) return `Electron needs the system library ${library}, which is not installed: install the package that provides it (on Debian and Ubuntu, \`apt-file search ${library}\` names it).`;
  return null;
}
