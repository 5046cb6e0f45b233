// `npm run build`: bundles every target into dist/.
//   dist/node/dfs-node.mjs      the headless node runtime, runnable by plain `node`
//   dist/manager/web.mjs        the manager in web mode (plain Node)
//   dist/electron/main.cjs      Electron main process
//   dist/electron/preload.cjs   the preload, one CommonJS file (sandboxed preloads cannot load ESM)
//   dist/renderer/              the dashboard, built by Vite
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2);
const wants = (target) => only.length === 0 || only.includes(target);

// Bundled ESM still meets CommonJS dependencies (express, pino) that call require().
const esmRequireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

const nodeTargets = [
  { name: 'node', entry: 'node-runtime/node/cli.ts', outfile: 'dist/node/dfs-node.mjs', format: 'esm' },
  { name: 'manager', entry: 'electron/manager/web.ts', outfile: 'dist/manager/web.mjs', format: 'esm' },
  { name: 'electron', entry: 'electron/main/main.ts', outfile: 'dist/electron/main.cjs', format: 'cjs', external: ['electron'] },
  { name: 'electron', entry: 'electron/main/preload.ts', outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'] },
];

async function main() {
  if (only.length === 0) await rm(`${root}/dist`, { recursive: true, force: true });
  for (const t of nodeTargets) {
    if (!wants(t.name) || !existsSync(`${root}/${t.entry}`)) continue;
    await esbuild({
      absWorkingDir: root,
      entryPoints: [t.entry],
      outfile: t.outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: t.format,
      sourcemap: true,
      external: t.external ?? [],
      banner: t.format === 'esm' ? { js: esmRequireShim } : undefined,
      logLevel: 'warning',
    });
    console.log(`built ${t.outfile}`);
  }
  if (wants('renderer')) {
    await viteBuild({ configFile: `${root}/renderer/vite.config.ts`, logLevel: 'warn' });
    console.log('built dist/renderer/');
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
