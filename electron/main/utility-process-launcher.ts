// The Launcher inside the app: each dfs-node runs as an Electron utilityProcess (a Node.js child
// the app's own binary hosts, so packaged builds need no separate node executable). It honours
// the contract of electron/manager/launcher.ts; the contract suite runs against the
// child_process launcher, and `satisfies Launcher` below keeps this one to the same type.
import { utilityProcess, type UtilityProcess } from 'electron';
import type { Readable } from 'node:stream';
import type { ExitInfo, Launcher, LaunchSpec, NodeHandle } from '../manager/launcher';

export const utilityProcessLauncher = {
  launch(spec: LaunchSpec): NodeHandle {
    let exited = false;
    const exitListeners: ((exit: ExitInfo, spawnError?: Error) => void)[] = [];
    const finish = (exit: ExitInfo, spawnError?: Error): void => {
      if (exited) return;
      exited = true;
      for (const listener of exitListeners) listener(exit, spawnError);
    };

    let child: UtilityProcess;
    try {
      child = utilityProcess.fork(spec.modulePath, [...spec.args], {
        env: { ...spec.env },
        execArgv: [...spec.execArgv],
        cwd: spec.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        serviceName: spec.name,
      });
    } catch (err) {
      // The contract: `exit` fires also when the process never started — after the caller has
      // had the chance to subscribe.
      const spawnError = err instanceof Error ? err : new Error(String(err));
      queueMicrotask(() => finish({ code: null, signal: null }, spawnError));
      return {
        pid: undefined,
        stdout: null,
        stderr: null,
        kill: () => false,
        postMessage: () => {},
        onMessage: () => {},
        onExit: (listener) => exitListeners.push(listener),
      };
    }

    // utilityProcess reports only a code; a signal death shows as a non-zero code.
    child.on('exit', (code) => finish({ code, signal: null }));
    // Both streams are null after `exit`, so they are captured now.
    const stdout = child.stdout as Readable | null;
    const stderr = child.stderr as Readable | null;
    return {
      get pid() {
        return child.pid;
      },
      stdout,
      stderr,
      kill(signal) {
        if (exited) return false;
        // utilityProcess.kill() is SIGTERM (and reaps the child); the supervisor also needs
        // SIGKILL for crashes and SIGSTOP/SIGCONT for pause, which go to the pid directly.
        if (signal === 'SIGTERM') return child.kill();
        const pid = child.pid;
        if (pid === undefined) return false;
        try {
          return process.kill(pid, signal);
        } catch {
          return false;
        }
      },
      postMessage: (message) => {
        if (!exited) child.postMessage(message);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => exitListeners.push(listener),
    };
  },
} satisfies Launcher;
