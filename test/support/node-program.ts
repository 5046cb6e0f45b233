// How the suites start a dfs-node process. The cluster and browser suites build a bundle of the
// current sources once per run (their globalSetup, test/support/build-node-bundle.ts) and start
// every node from it: it is what servers run (`npx dfs-node` runs dist/node/dfs-node.mjs), and
// three nodes start in about a third of the time they take through tsx, which transforms every
// source file in each process (3-4 s instead of 10-14 s on two busy cores). Without that setup
// (a harness used from a script, or DFS_TEST_FROM_SOURCE=1) nodes run the sources through tsx.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeCommand } from '../../electron/manager/supervision/launcher';

/** Set by the globalSetup for the test processes it starts; a path to a bundle built this run. */
export const NODE_BUNDLE_ENV = 'DFS_TEST_NODE_BUNDLE';

/** The repository's root (the suites run their programs from here). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The program and its leading arguments that run dfs-node (the node's own flags follow). */
export function nodeProgram(): readonly string[] {
  const bundle = process.env[NODE_BUNDLE_ENV];
  if (bundle && process.env.DFS_TEST_FROM_SOURCE !== '1') return [process.execPath, bundle];
  return nodeProgramFromSources();
}

/** dfs-node from its sources through tsx. */
function nodeProgramFromSources(): readonly string[] {
  return [process.execPath, '--import', 'tsx', path.join(repoRoot, 'node-runtime/node/cli.ts')];
}

/** The same program as the manager's launcher takes it (its tests' nodes start as the harness's do). */
export function managerNodeCommand(): NodeCommand {
  const [, ...args] = nodeProgram();
  return { modulePath: args[args.length - 1] as string, execArgv: args.slice(0, -1) };
}
