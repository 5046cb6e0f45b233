// The Launcher contract (electron/manager/supervision/launcher.ts) as one suite any implementation must pass:
// a real small Node script (fixtures/launcher-child.mjs) is started, talked to, signalled and
// stopped. launcher-contract.test.ts runs it against the child_process launcher; the
// utilityProcess launcher can only run inside Electron and is held to the same TypeScript type.
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExitInfo, Launcher, LaunchSpec, NodeHandle } from '../../../electron/manager/supervision/launcher';
import { waitFor } from '../../support/wait-for';

const childScript = fileURLToPath(new URL('./fixtures/launcher-child.mjs', import.meta.url));

interface Running {
  readonly handle: NodeHandle;
  readonly exits: { exit: ExitInfo; spawnError?: Error }[];
  readonly exited: Promise<{ exit: ExitInfo; spawnError?: Error }>;
  readonly messages: unknown[];
  readonly stdout: () => string;
  readonly stderr: () => string;
}

function collect(stream: Readable | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => (text += chunk));
  return () => text;
}

export function describeLauncherContract(name: string, launcher: Launcher): void {
  describe(`Launcher contract: ${name}`, () => {
    const started: Running[] = [];
    let cwd = '';

    beforeAll(async () => {
      cwd = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dfs-launcher-')));
      return () => rm(cwd, { recursive: true, force: true });
    });

    afterEach(async () => {
      for (const run of started.splice(0)) {
        run.handle.kill('SIGKILL');
        await run.exited;
      }
    });

    function launch(overrides: Partial<LaunchSpec> = {}): Running {
      const spec: LaunchSpec = {
        modulePath: childScript,
        execArgv: ['--no-warnings'],
        args: ['--node', '7'],
        env: { PATH: process.env.PATH ?? '', DFS_CONTRACT: 'from-spec' },
        cwd,
        name: 'contract-node',
        ...overrides,
      };
      const handle = launcher.launch(spec);
      const exits: Running['exits'] = [];
      const messages: unknown[] = [];
      const exited = new Promise<Running['exits'][number]>((resolve) =>
        handle.onExit((exit, spawnError) => {
          exits.push({ exit, spawnError });
          resolve({ exit, spawnError });
        }),
      );
      handle.onMessage((message) => messages.push(message));
      const run = { handle, exits, exited, messages, stdout: collect(handle.stdout), stderr: collect(handle.stderr) };
      started.push(run);
      return run;
    }

    const hello = (run: Running) =>
      waitFor('the hello message', () => run.messages.find((m) => (m as { type?: string }).type === 'hello')) as Promise<{
        args: string[];
        cwd: string;
        execArgv: string[];
        env: Record<string, string | null>;
      }>;

    it('runs the module with its args, runtime flags, cwd and exactly the given environment', async () => {
      process.env.DFS_CONTRACT_PARENT_ONLY = 'leaked';
      try {
        const run = launch();
        const greeting = await hello(run);
        expect(greeting.args).toEqual(['--node', '7']);
        expect(greeting.execArgv).toContain('--no-warnings');
        expect(greeting.cwd).toBe(cwd);
        expect(greeting.env).toEqual({ DFS_CONTRACT: 'from-spec', DFS_CONTRACT_PARENT_ONLY: null });
        expect(run.handle.pid).toBeGreaterThan(0);
      } finally {
        delete process.env.DFS_CONTRACT_PARENT_ONLY;
      }
    });

    it('pipes stdout and stderr', async () => {
      const run = launch();
      await waitFor('stdout', () => run.stdout().includes('hello stdout --node 7\n'));
      await waitFor('stderr', () => run.stderr().includes('hello stderr\n'));
    });

    it('carries messages both ways', async () => {
      const run = launch();
      await hello(run);
      run.handle.postMessage({ type: 'echo', value: { n: 1, text: 'ünï' } });
      const echo = await waitFor('the echo', () => run.messages.find((m) => (m as { type?: string }).type === 'echo'));
      expect(echo).toEqual({ type: 'echo', value: { n: 1, text: 'ünï' } });
    });

    it('reports the exit code exactly once, then kill is a no-op returning false', async () => {
      const run = launch();
      await hello(run);
      run.handle.postMessage({ type: 'exit', code: 3 });
      const { exit, spawnError } = await run.exited;
      expect(exit.code).toBe(3);
      expect(spawnError).toBeUndefined();
      expect(run.handle.kill('SIGTERM')).toBe(false);
      expect(run.handle.kill('SIGKILL')).toBe(false);
      expect(run.exits).toHaveLength(1);
    });

    it('SIGTERM stops the node gracefully', async () => {
      const run = launch();
      await hello(run);
      expect(run.handle.kill('SIGTERM')).toBe(true);
      const { exit } = await run.exited;
      expect(exit.code).toBe(0);
      expect(run.stdout()).toContain('stopping gracefully');
      expect(run.exits).toHaveLength(1);
    });

    it('SIGKILL ends the node at once', async () => {
      const run = launch();
      await hello(run);
      expect(run.handle.kill('SIGKILL')).toBe(true);
      const { exit } = await run.exited;
      expect(exit.code === 0 && exit.signal === null).toBe(false);
      expect(run.exits).toHaveLength(1);
    });

    it.skipIf(process.platform === 'win32')('SIGSTOP pauses and SIGCONT resumes the node (POSIX)', async () => {
      const run = launch();
      await hello(run);
      expect(run.handle.kill('SIGSTOP')).toBe(true);
      expect(run.handle.kill('SIGCONT')).toBe(true);
      run.handle.postMessage({ type: 'echo', value: 'after resume' });
      await waitFor('the echo after resume', () => run.messages.some((m) => (m as { value?: unknown }).value === 'after resume'));
      expect(run.exits).toHaveLength(0);
    });

    it('a module that does not exist ends in one failed exit', async () => {
      const run = launch({ modulePath: path.join(cwd, 'no-such-node.mjs') });
      const { exit, spawnError } = await run.exited;
      expect(spawnError !== undefined || (exit.code !== null && exit.code !== 0)).toBe(true);
      expect(run.exits).toHaveLength(1);
    });

    it('a process that cannot be created still reports exit exactly once, with the error', async () => {
      const run = launch({ cwd: path.join(cwd, 'no-such-directory') });
      const { exit, spawnError } = await run.exited;
      expect(spawnError !== undefined || (exit.code !== null && exit.code !== 0)).toBe(true);
      if (spawnError) expect(exit).toEqual({ code: null, signal: null });
      expect(run.handle.kill('SIGKILL')).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(run.exits).toHaveLength(1);
    });
  });
}
