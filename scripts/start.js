// `npm start`: the desktop app where an Electron binary is installed; otherwise (or with --web)
// the same manager and dashboard served to a browser.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

/** The Electron binary's path without importing 'electron' (which would try to download it). */
function electronBinary() {
  if (process.env.ELECTRON_PATH) return existsSync(process.env.ELECTRON_PATH) ? process.env.ELECTRON_PATH : null;
  try {
    const pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = path.join(pkgDir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const binary = path.join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function buildThen(targets, next) {
  const build = spawn(process.execPath, [path.join(root, 'scripts/build.js'), ...targets], { cwd: root, stdio: 'inherit' });
  build.on('exit', (code) => (code === 0 ? next() : process.exit(code ?? 1)));
}

const webRequested = args.includes('--web');
const electron = webRequested ? null : electronBinary();
if (!webRequested && !electron) {
  console.log('No Electron binary is installed here; starting the web dashboard instead (same app, in your browser).');
}

if (electron) {
  buildThen([], () => run(electron, [root, ...args]));
} else if (existsSync(path.join(root, 'electron/manager/web.ts'))) {
  const webArgs = args.filter((a) => a !== '--web');
  buildThen(['renderer'], () => run(process.execPath, ['--import', 'tsx', path.join(root, 'electron/manager/web.ts'), ...webArgs]));
} else {
  console.log('The web dashboard (electron/manager/web.ts) is not built yet; run a headless cluster with `npm run cluster`.');
  process.exit(1);
}
