// Electron's known first-run failures: each found before launch or in Electron's last words,
// and told as one sentence with the fix.
import { describe, expect, it } from 'vitest';
import { missingDisplay, nodeBelowRequirement, recogniseElectronExit, sandboxProblem, type SandboxHost } from '../../../scripts/start/first-run-checks';

const HELPER = '/p/node_modules/electron/dist/chrome-sandbox';

function host(sysctl: Record<string, string>, helper: { uid: number; mode: number } | null, overrides: Partial<SandboxHost> = {}): SandboxHost {
  return { platform: 'linux', uid: 1000, readSysctl: (name) => sysctl[name] ?? null, statHelper: (p) => (p === HELPER ? helper : null), ...overrides };
}

describe('display', () => {
  it('needs DISPLAY or WAYLAND_DISPLAY on Linux, nothing on macOS and Windows', () => {
    expect(missingDisplay('linux', {})).toMatch(/no display here \(DISPLAY and WAYLAND_DISPLAY are unset\)/);
    expect(missingDisplay('linux', { DISPLAY: ':0' })).toBeNull();
    expect(missingDisplay('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toBeNull();
    expect(missingDisplay('darwin', {})).toBeNull();
    expect(missingDisplay('win32', {})).toBeNull();
  });
});

describe("Node version against the installer's engines.node", () => {
  it('states the requirement only when this Node is older', () => {
    expect(nodeBelowRequirement('20.20.2', '>= 22.12.0')).toBe(
      "Electron's installer asks for Node 22.12.0 or newer and this is Node 20.20.2: if the network is fine, a newer Node is the fix (web mode runs on this one).",
    );
    expect(nodeBelowRequirement('22.11.9', '>=22.12.0')).toMatch(/Node 22\.12\.0 or newer/);
    expect(nodeBelowRequirement('22.12.0', '>= 22.12.0')).toBeNull();
    expect(nodeBelowRequirement('24.1.0', '>= 22.12.0')).toBeNull();
  });

  it('says nothing about a range it does not understand', () => {
    expect(nodeBelowRequirement('20.0.0', '^22 || ^24')).toBeNull();
    expect(nodeBelowRequirement('20.0.0', null)).toBeNull();
  });
});

describe("Chromium's Linux sandbox, before launch", () => {
  const restricted = { 'kernel/apparmor_restrict_unprivileged_userns': '1' };

  it("explains Ubuntu 24.04's AppArmor rule with an unset SUID helper, and gives the chown/chmod fix", () => {
    expect(sandboxProblem(host(restricted, { uid: 1000, mode: 0o100755 }), HELPER)).toBe(
      "Electron's sandbox cannot start: unprivileged user namespaces are restricted by AppArmor (kernel.apparmor_restrict_unprivileged_userns=1, Ubuntu 24.04's default) and its SUID helper is not set up; " +
        `fix it with: sudo chown root '${HELPER}' && sudo chmod 4755 '${HELPER}'`,
    );
  });

  it('also covers user namespaces switched off by the older sysctls', () => {
    expect(sandboxProblem(host({ 'kernel/unprivileged_userns_clone': '0' }, null), HELPER)).toMatch(/kernel\.unprivileged_userns_clone=0/);
    expect(sandboxProblem(host({ 'user/max_user_namespaces': '0' }, null), HELPER)).toMatch(/user\.max_user_namespaces=0/);
  });

  it('is satisfied by a root-owned 4755 helper, or by usable user namespaces', () => {
    expect(sandboxProblem(host(restricted, { uid: 0, mode: 0o104755 }), HELPER)).toBeNull();
    expect(sandboxProblem(host(restricted, { uid: 0, mode: 0o100755 }), HELPER)).not.toBeNull();
    expect(sandboxProblem(host({ 'kernel/apparmor_restrict_unprivileged_userns': '0', 'user/max_user_namespaces': '63000' }, null), HELPER)).toBeNull();
  });

  it('leaves other platforms and root to Electron', () => {
    expect(sandboxProblem(host(restricted, null, { platform: 'darwin' }), HELPER)).toBeNull();
    expect(sandboxProblem(host(restricted, null, { uid: 0 }), HELPER)).toBeNull();
  });
});

describe("Electron's exit", () => {
  it('recognises the SUID helper, the user-namespace restriction, root, the display and missing libraries', () => {
    const suid = recogniseElectronExit(
      `[1:FATAL:setuid_sandbox_host.cc(158)] The SUID sandbox helper binary was found, but is not configured correctly. Rather than run without sandboxing I'm aborting now. You need to make sure that ${HELPER} is owned by root and has mode 4755.`,
      HELPER,
    );
    expect(suid).toBe(`Electron's sandbox helper is not set up; fix it with: sudo chown root '${HELPER}' && sudo chmod 4755 '${HELPER}'`);
    expect(recogniseElectronExit('[1:FATAL:zygote_host_impl_linux.cc(127)] No usable sandbox! If you are running on Ubuntu 23.10+ ...', HELPER)).toMatch(/AppArmor.*sudo chmod 4755/);
    expect(recogniseElectronExit('[1:ERROR:zygote_host_impl_linux.cc(100)] Running as root without --no-sandbox is not supported.', HELPER)).toMatch(/start it as a normal user/);
    expect(recogniseElectronExit('[1:ERROR:ozone_platform_x11.cc(240)] Missing X server or $DISPLAY', HELPER)).toMatch(/could not reach a display/);
    expect(recogniseElectronExit('electron: error while loading shared libraries: libnss3.so: cannot open shared object file', HELPER)).toMatch(/system library libnss3\.so/);
  });

  it('leaves anything else alone', () => {
    expect(recogniseElectronExit('TypeError: x is not a function', HELPER)).toBeNull();
    expect(recogniseElectronExit('', HELPER)).toBeNull();
  });
});
