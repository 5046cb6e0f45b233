// A Launcher that creates no process: tests drive each handle's handshake, output and exit.
import { PassThrough } from 'node:stream';
import type { ExitInfo, Launcher, LaunchSpec, NodeHandle } from '../../../electron/manager/supervision/launcher';

export class FakeHandle implements NodeHandle {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: NodeJS.Signals[] = [];
  /** Signals that end the process at once (as the default action would). */
  fatalSignals = new Set<NodeJS.Signals>(['SIGKILL', 'SIGTERM']);
  private exited = false;
  private readonly messageListeners: ((message: unknown) => void)[] = [];
  private readonly exitListeners: ((exit: ExitInfo, spawnError?: Error) => void)[] = [];
  private readonly disconnectListeners: (() => void)[] = [];

  constructor(
    readonly pid: number,
    readonly spec: LaunchSpec,
  ) {}

  kill(signal: NodeJS.Signals): boolean {
    if (this.exited) return false;
    this.signals.push(signal);
    if (this.fatalSignals.has(signal)) this.exit({ code: null, signal });
    return true;
  }

  postMessage(): void {}

  onMessage(listener: (message: unknown) => void): void {
    this.messageListeners.push(listener);
  }

  onDisconnect(listener: () => void): void {
    this.disconnectListeners.push(listener);
  }

  onExit(listener: (exit: ExitInfo, spawnError?: Error) => void): void {
    this.exitListeners.push(listener);
  }

  /** The node's IPC handshake. */
  announceListening(): void {
    for (const listener of this.messageListeners) listener({ type: 'listening', httpUrl: 'http://127.0.0.1:1', peerAddress: '127.0.0.1:2' });
  }

  /** The IPC channel closes (as it does just before or after the process dies). */
  disconnect(): void {
    for (const listener of this.disconnectListeners) listener();
  }

  exit(exit: ExitInfo): void {
    if (this.exited) return;
    this.exited = true;
    for (const listener of this.exitListeners) listener(exit);
  }
}

export class FakeLauncher implements Launcher {
  readonly handles: FakeHandle[] = [];
  private nextPid = 1000;

  launch(spec: LaunchSpec): FakeHandle {
    const handle = new FakeHandle(this.nextPid++, spec);
    this.handles.push(handle);
    return handle;
  }

  get last(): FakeHandle {
    const handle = this.handles.at(-1);
    if (!handle) throw new Error('nothing was launched');
    return handle;
  }
}
