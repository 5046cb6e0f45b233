// The supervisor's state machine with a fake clock and fake processes: no sleeping, no processes.
import { describe, expect, it } from 'vitest';
import type { LogLine, ProcessState } from '../../../node-runtime/common/manager-api';
import { NodeSupervisor } from '../../../electron/manager/supervision/node-supervisor';
import { FakeClock } from './fake-clock';
import { FakeLauncher } from './fake-launcher';

function setup(options: { stopTimeoutMs?: number; startTimeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const launcher = new FakeLauncher();
  const logs: LogLine[] = [];
  const states: ProcessState[] = [];
  const streamEnds: number[] = [];
  const supervisor = new NodeSupervisor({
    nodeId: 2,
    launcher,
    launchSpec: () => ({ modulePath: 'dfs-node', execArgv: [], args: ['--node', '1'], env: { DFS_CLUSTER_SECRET: 's3cret' }, name: 'dfs-node 2' }),
    probeLive: async () => false,
    onLog: (line) => logs.push(line),
    onEventStreamEnd: () => streamEnds.push(launcher.last.pid),
    clock,
    stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
    probeIntervalMs: 1_000_000,
  });
  supervisor.onChange((info) => states.push(info.state));
  return { clock, launcher, logs, states, streamEnds, supervisor };
}

describe('NodeSupervisor lifecycle', () => {
  it('is starting until the ready handshake, not when the process spawns', () => {
    const { launcher, supervisor } = setup();
    supervisor.start();
    expect(supervisor.info()).toMatchObject({ state: 'starting', pid: 1000 });
    launcher.last.announceListening();
    expect(supervisor.info()).toMatchObject({ state: 'running', reason: 'ready: announced it is listening', pid: 1000 });
  });

  it('restarts a crashed node after 100, 200, 400 ms and counts restarts', () => {
    const { clock, launcher, supervisor, states } = setup();
    supervisor.start();
    launcher.last.announceListening();
    for (const delay of [100, 200, 400]) {
      launcher.last.exit({ code: 1, signal: null });
      expect(supervisor.info()).toMatchObject({ state: 'backoff', nextRestartAt: clock.now() + delay, pid: null });
      expect(supervisor.info().reason).toBe(`exited with code 1; restarting in ${delay} ms`);
      clock.advance(delay - 1);
      expect(supervisor.info().state).toBe('backoff');
      clock.advance(1);
      expect(supervisor.info().state).toBe('starting');
      launcher.last.announceListening();
    }
    expect(supervisor.info().restarts).toBe(3);
    expect(launcher.handles).toHaveLength(4);
    expect(states).toEqual(['starting', 'running', ...Array(3).fill(['crashed', 'backoff', 'starting', 'running']).flat()]);
  });

  it('backs off from 100 ms again after 30 s of stable uptime', () => {
    const { clock, launcher, supervisor } = setup();
    supervisor.start();
    launcher.last.exit({ code: 1, signal: null });
    clock.advance(100);
    launcher.last.exit({ code: 1, signal: null });
    expect(supervisor.info().reason).toContain('restarting in 200 ms');
    clock.advance(200);
    launcher.last.announceListening();
    clock.advance(30_000);
    launcher.last.exit({ code: null, signal: 'SIGSEGV' });
    expect(supervisor.info().reason).toBe('killed by SIGSEGV; restarting in 100 ms');
  });

  it('marks a crash-looping node errored and stops retrying until started again', () => {
    const { clock, launcher, supervisor } = setup();
    supervisor.start();
    for (let crash = 1; crash <= 4; crash += 1) {
      launcher.last.exit({ code: 3, signal: null });
      expect(supervisor.info().state).toBe('backoff');
      clock.advance(clock.pendingDelays()[0] ?? 0);
    }
    launcher.last.exit({ code: 3, signal: null });
    expect(supervisor.info()).toMatchObject({ state: 'errored', pid: null, nextRestartAt: null });
    expect(supervisor.info().reason).toBe('crashed 5 times within 60 s (last: exited with code 3); start it to try again');
    clock.advance(60 * 60_000);
    expect(launcher.handles).toHaveLength(5);

    supervisor.start();
    expect(supervisor.info().state).toBe('starting');
    launcher.last.exit({ code: 3, signal: null });
    expect(supervisor.info()).toMatchObject({ state: 'backoff', reason: 'exited with code 3; restarting in 100 ms' });
  });

  it('kills a node that never becomes ready and counts it as a crash', () => {
    const { clock, launcher, supervisor } = setup({ startTimeoutMs: 1_000 });
    supervisor.start();
    clock.advance(1_000);
    expect(launcher.handles[0]?.signals).toEqual(['SIGKILL']);
    expect(supervisor.info()).toMatchObject({ state: 'backoff', reason: 'did not serve within 1000 ms; restarting in 100 ms' });
  });
});

describe('NodeSupervisor user actions', () => {
  it('stops gracefully with SIGTERM and stays stopped', async () => {
    const { clock, launcher, supervisor } = setup();
    supervisor.start();
    launcher.last.announceListening();
    await supervisor.stop();
    expect(launcher.last.signals).toEqual(['SIGTERM']);
    expect(supervisor.info()).toMatchObject({ state: 'stopped', pid: null, reason: 'stopped by user; killed by SIGTERM' });
    clock.advance(60_000);
    expect(launcher.handles).toHaveLength(1);
  });

  it('escalates to SIGKILL when SIGTERM is ignored past the bound', async () => {
    const { clock, launcher, supervisor } = setup({ stopTimeoutMs: 2_000 });
    supervisor.start();
    launcher.last.announceListening();
    launcher.last.fatalSignals.delete('SIGTERM');
    const stopped = supervisor.stop();
    expect(supervisor.info().state).toBe('stopping');
    clock.advance(1_999);
    expect(launcher.last.signals).toEqual(['SIGTERM']);
    clock.advance(1);
    await stopped;
    expect(launcher.last.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(supervisor.info()).toMatchObject({ state: 'stopped', reason: 'stopped by user (SIGKILL after 2000 ms)' });
  });

  it('treats a user kill as a crash that is restarted but never trips the breaker', () => {
    const { clock, launcher, supervisor } = setup();
    supervisor.start();
    for (let i = 0; i < 8; i += 1) {
      launcher.last.announceListening();
      supervisor.kill();
      expect(supervisor.info().state).toBe('backoff');
      expect(supervisor.info().reason).toMatch(/^killed by user \(SIGKILL\); restarting in \d+ ms$/);
      clock.advance(clock.pendingDelays()[0] ?? 0);
    }
    expect(supervisor.info().state).toBe('starting');
  });

  it('pauses with SIGSTOP and resumes with SIGCONT', () => {
    const { launcher, supervisor } = setup();
    supervisor.start();
    expect(() => supervisor.pause()).toThrow(/only a running node can be paused/);
    launcher.last.announceListening();
    supervisor.pause();
    expect(supervisor.info()).toMatchObject({ state: 'paused', reason: 'paused by user (SIGSTOP)', pid: 1000 });
    supervisor.resume();
    expect(supervisor.info()).toMatchObject({ state: 'running', reason: 'resumed by user (SIGCONT)' });
    expect(launcher.last.signals).toEqual(['SIGSTOP', 'SIGCONT']);
  });

  it('restarts on request with a fresh process', async () => {
    const { launcher, supervisor } = setup();
    supervisor.start();
    launcher.last.announceListening();
    await supervisor.restart();
    expect(launcher.handles).toHaveLength(2);
    expect(supervisor.info()).toMatchObject({ state: 'starting', reason: 'restarted by user', restarts: 1, pid: 1001 });
  });

  it('cancels a pending restart on stop', async () => {
    const { clock, launcher, supervisor } = setup();
    supervisor.start();
    launcher.last.exit({ code: 1, signal: null });
    await supervisor.stop();
    clock.advance(10_000);
    expect(supervisor.info().state).toBe('stopped');
    expect(launcher.handles).toHaveLength(1);
  });

  it('does not restart anything that exits while the manager shuts down', async () => {
    const { clock, launcher, supervisor } = setup();
    supervisor.start();
    launcher.last.announceListening();
    await supervisor.shutdown();
    expect(supervisor.info().state).toBe('stopped');
    clock.advance(60_000);
    expect(launcher.handles).toHaveLength(1);
  });
});

describe('NodeSupervisor logs', () => {
  it('captures stdout JSON lines and narrates transitions, never the secret', async () => {
    const { launcher, logs, supervisor } = setup();
    supervisor.start();
    launcher.last.stdout.write('{"level":40,"time":5,"msg":"slow disk"}\n');
    launcher.last.stderr.write('Trace: boom\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs.filter((l) => l.source !== 'manager')).toEqual([
      { nodeId: 2, source: 'stdout', time: 5, level: 'warn', msg: 'slow disk', fields: { level: 40, time: 5, msg: 'slow disk' } },
      expect.objectContaining({ source: 'stderr', level: 'error', msg: 'Trace: boom' }),
    ]);
    expect(logs.filter((l) => l.source === 'manager').map((l) => l.msg)).toEqual(['node 2 starting: launched']);
    expect(JSON.stringify(logs)).not.toContain('s3cret');
  });
});

describe('NodeSupervisor event stream', () => {
  it("reports the current process's IPC channel closing, and not a replaced process's", () => {
    const { clock, launcher, streamEnds, supervisor } = setup();
    supervisor.start();
    launcher.last.announceListening();
    const first = launcher.last;
    first.disconnect();
    expect(streamEnds).toEqual([1000]);
    first.exit({ code: 1, signal: null });
    clock.advance(100);
    expect(launcher.last.pid).toBe(1001);
    // A late close from the process that already exited says nothing about the new one.
    first.disconnect();
    expect(streamEnds).toEqual([1000]);
  });
});

describe('NodeSupervisor launch failures', () => {
  it('marks the node errored when the launcher throws, instead of throwing from a timer', () => {
    const { clock, launcher, supervisor } = setup();
    supervisor.start();
    launcher.launch = () => {
      throw new Error('spawn EACCES');
    };
    launcher.last.exit({ code: 1, signal: null });
    expect(() => clock.advance(100)).not.toThrow();
    expect(supervisor.info()).toMatchObject({ state: 'errored', reason: 'could not be launched: spawn EACCES' });
  });
});
