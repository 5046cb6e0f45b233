// The Launcher inside the app: each dfs-node runs as an Electron utilityProcess (a Node.js child
// the app's own binary hosts, so packaged builds need no separate node executable). It honours
// the contract of electron/manager/supervision/launcher.ts; the contract suite runs against the
// child_process launcher, and `satisfies Launcher` below keeps this one to the same type.
import { utilityProcess, type UtilityProcess } from 'electron';
import os from 'node:os';
import type { Readable } from 'node:stream';
import type { ExitInfo, Launcher, LaunchSpec, NodeHandle } from '../manager/supervision/launcher';

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

    // utilityProcess reports only a code: on POSIX a death by signal shows as the signal's number.
    // When that is the signal we sent, report it the way child_process does, so the supervisor
    // tells a crash it caused from one it did not.
    let lastSignal: NodeJS.Signals | null = null;
    child.on('exit', (code) => {
      const sentSignalNumber = lastSignal === null ? undefined : os.constants.signals[lastSignal];
      if (process.platform !== 'win32' && lastSignal !== null && code === sentSignalNumber) finish({ code: null, signal: lastSignal });
      else finish({ code, signal: null });
    });
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
        const pid = child.pid;
        if (exited || pid === undefined) return false;
        // Every signal goes to the pid directly: utilityProcess.kill() would SIGKILL a node that
        // takes more than 2 s over its graceful stop (Chromium's EnsureProcessTerminated), and
        // the supervisor owns that bound. SIGSTOP/SIGCONT (pause) have no utilityProcess API.
        try {
          const sent = process.kill(pid, signal);
          if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') lastSignal = signal;
          return sent;
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
