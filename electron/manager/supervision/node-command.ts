// Where `dfs-node` is, seen from the manager: TypeScript sources through tsx in a checkout, the
// bundled dist/node/dfs-node.mjs in a build. This file's source sits three directories below the
// project root (electron/manager/supervision/), its bundle (dist/manager/web.mjs) two.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeCommand } from './launcher';

const runningFromSources = import.meta.url.endsWith('.ts');

export const projectRoot = fileURLToPath(new URL(runningFromSources ? '../../../' : '../../', import.meta.url));

export function defaultNodeCommand(): NodeCommand {
  if (runningFromSources) {
    // Resolved here, so the nodes find tsx whatever their working directory.
    return { modulePath: path.join(projectRoot, 'node-runtime', 'node', 'cli.ts'), execArgv: ['--import', import.meta.resolve('tsx')] };
  }
  return { modulePath: path.join(projectRoot, 'dist', 'node', 'dfs-node.mjs'), execArgv: [] };
}

/** dist/renderer/ when it was built, else null (the API then answers `/` with a hint to build it). */
export function defaultRendererDir(): string | null {
  const dir = path.join(projectRoot, 'dist', 'renderer');
  return existsSync(path.join(dir, 'index.html')) ? dir : null;
}
