// The processes `npm start` runs: the build, then Electron or the web-mode manager. Ctrl-C and
// SIGTERM are passed on, so each child stops its nodes gracefully before we exit with its code.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { DesktopExit } from './start-flow';

function exitOf(child: ChildProcess): Promise<number> {
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`${err.message}\n`);
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

function build(root: string, targets: readonly string[]): Promise<number> {
  return exitOf(spawn(process.execPath, [path.join(root, 'scripts/build.js'), ...targets], { cwd: root, stdio: 'inherit' }));
}

/** Builds every target, then runs Electron on the project, keeping its stderr's tail. */
export async function launchDesktop(root: string, binary: string, args: readonly string[]): Promise<DesktopExit> {
  const built = await build(root, []);
  if (built !== 0) return { code: built, output: '' };
  const child = spawn(binary, [root, ...args], { cwd: root, stdio: ['inherit', 'inherit', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    output = (output + chunk.toString()).slice(-16_384);
  });
  return { code: await exitOf(child), output };
}

/**
 * Builds the dashboard and dfs-node's bundle, then serves the dashboard with the manager under
 * plain Node (electron/manager/web.ts), its nodes running that bundle as the desktop app's do.
 */
export async function launchWeb(root: string, args: readonly string[]): Promise<number> {
  const built = await build(root, ['renderer', 'node']);
  if (built !== 0) return built;
  const nodeProgram = path.join(root, 'dist/node/dfs-node.mjs');
  return exitOf(spawn(process.execPath, ['--import', 'tsx', path.join(root, 'electron/manager/web.ts'), '--node-program', nodeProgram, ...args], { cwd: root, stdio: 'inherit' }));
}
