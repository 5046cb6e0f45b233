// How the supervisor starts a node process, behind an interface shaped like Electron's
// `utilityProcess.fork(modulePath, args, { env, execArgv, stdio: 'pipe' })`: under plain Node it
// is `child_process.fork`, in the app electron/main/ implements it with utilityProcess:
//   launch(spec)           utilityProcess.fork(spec.modulePath, [...spec.args], { env: spec.env,
//                          execArgv: [...spec.execArgv], cwd: spec.cwd, stdio: 'pipe', serviceName: spec.name })
//   pid, stdout, stderr    child.pid (undefined until 'spawn'), child.stdout, child.stderr
//   kill(signal)           process.kill(child.pid, signal): child.kill() can only send SIGTERM, and
//                          pause/resume need SIGSTOP/SIGCONT; false once the process exited
//   postMessage/onMessage  child.postMessage / child.on('message')
//   onDisconnect           (child_process only: child.on('disconnect'); utilityProcess has no such event)
//   onExit                 child.on('exit', (code) => listener({ code, signal: null }))
// A node under utilityProcess announces 'listening' through process.parentPort, not process.send.
import type { Readable } from 'node:stream';

/** How to run `dfs-node`: a module plus the flags for the runtime that loads it. */
export interface NodeCommand {
  /** Script the process runs: node-runtime/node/cli.ts in a checkout, dist/node/dfs-node.mjs when built. */
  readonly modulePath: string;
  /** Runtime flags before the module, e.g. `['--import', 'tsx']` for TypeScript sources. */
  readonly execArgv: readonly string[];
}

export interface LaunchSpec extends NodeCommand {
  readonly args: readonly string[];
  /** The complete environment of the process (secrets travel here, never in `args`). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Shown in process lists where the launcher supports it (utilityProcess's serviceName). */
  readonly name: string;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * One running process. Contract: `exit` fires exactly once, also when the process never started
 * (then with code null and `spawnError` set); after it `kill` is a no-op returning false.
 */
export interface NodeHandle {
  /** Undefined until the OS created the process (and forever, if spawning failed). */
  readonly pid: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Sends a signal; returns false when the process is gone. */
  kill(signal: NodeJS.Signals): boolean;
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** The IPC channel closed: no message, no event, will come from this process any more. */
  onDisconnect?(listener: () => void): void;
  onExit(listener: (exit: ExitInfo, spawnError?: Error) => void): void;
}

export interface Launcher {
  launch(spec: LaunchSpec): NodeHandle;
}
