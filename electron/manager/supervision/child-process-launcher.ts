// The Launcher under plain Node (web mode, tests): `child_process.fork` with an IPC channel.
// The node exits when that channel disconnects, so even a SIGKILLed manager leaves no node behind.
import { fork } from 'node:child_process';
import type { ExitInfo, Launcher, LaunchSpec, NodeHandle } from './launcher';

export const childProcessLauncher: Launcher = {
  launch(spec: LaunchSpec): NodeHandle {
    const child = fork(spec.modulePath, [...spec.args], {
      execArgv: [...spec.execArgv],
      env: { ...spec.env },
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a terminal's Ctrl-C reaches only the manager, which then stops the
      // nodes in order instead of racing them.
      detached: true,
    });
    let exited = false;
    const exitListeners: ((exit: ExitInfo, spawnError?: Error) => void)[] = [];
    const finish = (exit: ExitInfo, spawnError?: Error): void => {
      if (exited) return;
      exited = true;
      for (const listener of exitListeners) listener(exit, spawnError);
    };
    child.on('exit', (code, signal) => finish({ code, signal }));
    child.on('error', (err) => {
      // 'error' also reports a failed kill or send on a live process; only a missing pid means
      // the process never existed and no 'exit' will follow.
      if (child.pid === undefined) finish({ code: null, signal: null }, err);
    });
    return {
      get pid() {
        return child.pid;
      },
      stdout: child.stdout,
      stderr: child.stderr,
      kill: (signal) => !exited && child.kill(signal),
      postMessage: (message) => {
        if (child.connected) child.send(message as Parameters<typeof child.send>[0]);
      },
      onMessage: (listener) => child.on('message', listener),
      onDisconnect: (listener) => child.on('disconnect', listener),
      onExit: (listener) => exitListeners.push(listener),
    };
  },
};
