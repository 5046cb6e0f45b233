// `npm run build`: bundles every target into dist/.
//   dist/node/dfs-node.mjs      the headless node runtime, runnable by plain `node`
//   dist/manager/web.mjs        the manager in web mode (plain Node)
//   dist/electron/main.cjs      Electron main process
//   dist/electron/preload.cjs   the preload, one CommonJS file (sandboxed preloads cannot load ESM)
//   dist/renderer/              the dashboard, built by Vite
// `node scripts/build.js package` (only when named; `npm pack` in packages/dfs-node runs it):
//   packages/dfs-node/dist/dfs-node.mjs, dfsctl.mjs   the server and the operator's client, every
//                               dependency bundled in, so the installed package needs nothing else
// `node scripts/build.js node --out-dir <dir>` writes the named dist/ targets under <dir> instead
//   (the test suites build their own node bundle there, beside any dist/ a developer has).
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: flags, positionals: only } = parseArgs({ options: { 'out-dir': { type: 'string' } }, allowPositionals: true });
const outDir = flags['out-dir'];
if (outDir !== undefined && (only.length === 0 || only.includes('renderer'))) throw new Error('--out-dir takes the bundles to build by name (not the renderer), e.g. `node scripts/build.js node --out-dir <dir>`');
/** Where a target is written: its dist/ path, or the same path under --out-dir. */
const outfileOf = (t) => (outDir !== undefined && t.outfile.startsWith('dist/') ? path.resolve(outDir, t.outfile.slice('dist/'.length)) : `${root}/${t.outfile}`);
const wants = (target) => only.length === 0 || only.includes(target);
// Targets built only when asked for by name (a plain `npm run build` has no use for them).
const onRequest = new Set(['package']);

// Bundled ESM still meets CommonJS dependencies (express, pino) that call require().
const esmRequireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
// The package's bundles are its commands: npm links them into PATH, so they start with a shebang.
const shebang = '#!/usr/bin/env node';

const nodeTargets = [
  { name: 'node', entry: 'node-runtime/node/cli.ts', outfile: 'dist/node/dfs-node.mjs', format: 'esm', lean: true },
  { name: 'manager', entry: 'electron/manager/web.ts', outfile: 'dist/manager/web.mjs', format: 'esm' },
  { name: 'electron', entry: 'electron/main/main.ts', outfile: 'dist/electron/main.cjs', format: 'cjs', external: ['electron'] },
  { name: 'electron', entry: 'electron/main/preload.ts', outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'] },
  { name: 'package', entry: 'node-runtime/node/cli.ts', outfile: 'packages/dfs-node/dist/dfs-node.mjs', format: 'esm', command: true, lean: true },
  { name: 'package', entry: 'node-runtime/ctl/cli.ts', outfile: 'packages/dfs-node/dist/dfsctl.mjs', format: 'esm', command: true },
];

function bannerOf(t) {
  if (t.format !== 'esm') return undefined;
  return { js: t.command ? `${shebang}\n${esmRequireShim}` : esmRequireShim };
}

/** A lean bundle must stay one byte a character in V8's heap: esbuild escapes non-ASCII in code, and comments are gone. */
function assertAscii(file) {
  const at = readFileSync(file).findIndex((byte) => byte > 0x7f);
  if (at >= 0) throw new Error(`${file} has a non-ASCII byte at ${at}: V8 would hold its source two bytes a character`);
}

async function main() {
  if (only.length === 0) await rm(`${root}/dist`, { recursive: true, force: true });
  for (const t of nodeTargets) {
    const asked = onRequest.has(t.name) ? only.includes(t.name) : wants(t.name);
    if (!asked || !existsSync(`${root}/${t.entry}`)) continue;
    await esbuild({
      absWorkingDir: root,
      entryPoints: [t.entry],
      outfile: outfileOf(t),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: t.format,
      // A command's stack traces point into the bundle; the package stays small without a map.
      sourcemap: !t.command,
      external: t.external ?? [],
      banner: bannerOf(t),
      // The node server keeps its whole source text in V8's heap for as long as it runs: with
      // comments it was 3.3 MB, and a few non-ASCII characters in them made V8 store it two bytes a
      // character (6.5 MB on every node, issue #11). Without comments and indentation it is 2.4 MB of
      // ASCII, held one byte a character. Names stay as written, so stack traces still read.
      minifyWhitespace: t.lean === true,
      logLevel: 'warning',
    });
    if (t.lean) assertAscii(outfileOf(t));
    console.log(`built ${path.relative(root, outfileOf(t))}`);
  }
  if (wants('renderer')) {
    // The dashboard ships as React's production build whatever NODE_ENV the caller has: Vite keeps
    // a NODE_ENV already set, and under vitest (NODE_ENV=test) the browser tests drove React's
    // development build, many times slower with 100,000 files.
    process.env.NODE_ENV = 'production';
    await viteBuild({ configFile: `${root}/renderer/vite.config.ts`, logLevel: 'warn' });
    console.log('built dist/renderer/');
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
