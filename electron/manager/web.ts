// Web mode: `npm start -- --web [--port P] [--nodes N] [--data-dir D] [--open]`. Starts the
// manager and its nodes (from the dfs-node bundle `npm start` builds first, `--node-program`), prints one line with the dashboard URL (the token is in it: this line
// is for the user only), and on Ctrl-C or SIGTERM stops the nodes gracefully. When another
// process already manages the cluster in D, it hands over to it (handover.ts) and exits.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { childProcessLauncher } from './supervision/child-process-launcher';
import { ClusterBusyError } from './supervision/cluster-lock';
import { planHandover } from './supervision/handover';
import { Manager } from './manager';
import type { NodeCommand } from './supervision/launcher';
import { defaultNodeCommand, defaultRendererDir } from './supervision/node-command';

/** A second stop signal later than this after the first forces an immediate exit. */
const FORCE_AFTER_MS = 1_000;

function integer(min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

interface WebFlags {
  port: number;
  nodes: number;
  dataDir: string;
  open: boolean;
  logLevel?: string;
  seedPorts: boolean;
  nodeProgram?: string;
}

/**
 * The nodes' program: a built dfs-node bundle when given (`npm start` passes the one it has just
 * built, so nodes start in a second and without tsx's loader, about 45 MiB a node), else the
 * sources through tsx in a checkout (a change to them needs no build) or the bundle in a build.
 */
function nodeCommand(program: string | undefined): NodeCommand {
  return program === undefined ? defaultNodeCommand() : { modulePath: program, execArgv: [] };
}

function existingBundle(text: string): string {
  const file = path.resolve(text);
  if (!existsSync(file)) throw new InvalidArgumentError(`no dfs-node bundle at ${file} (build one with: node scripts/build.js node)`);
  return file;
}

/** Resolves once the opener runs (or failed to), so a caller may exit right after. */
function openBrowser(url: string, fallback: string): Promise<void> {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
  child.unref();
  return new Promise((resolve) => {
    child.once('spawn', resolve);
    child.once('error', () => {
      process.stderr.write(`Could not open a browser (${command}); ${fallback}\n`);
      resolve();
    });
  });
}

/** Another live process manages the cluster: say who, open its dashboard if asked, and exit. */
async function handOver(busy: ClusterBusyError, open: boolean): Promise<never> {
  const handover = await planHandover(busy, open);
  process.stdout.write(`${handover.line}\n`);
  if (handover.url !== null) await openBrowser(handover.url, 'open the dashboard from the terminal that started it.');
  process.exit(handover.exitCode);
}

async function main(): Promise<void> {
  const flags = new Command('dfs-desktop --web')
    .description('The DFS Desktop dashboard in your browser, with a local cluster of dfs-node processes.')
    .option('--port <port>', 'control API and dashboard port on 127.0.0.1 (0: any free port)', integer(0, 65535), 0)
    .option('--nodes <n>', 'size of a new cluster (an existing one in --data-dir keeps its size)', integer(1, 9), 3)
    .option('--data-dir <dir>', 'where the cluster and its files live', './data')
    .option('--open', 'open the dashboard in the default browser', false)
    .option('--log-level <level>', "the nodes' LOG_LEVEL")
    .option('--no-seed-ports', "give a new cluster any free ports instead of the seed's 8081–8083 / 3030–3032")
    .option('--node-program <file>', 'run the nodes from this dfs-node bundle (default in a checkout: the sources through tsx)', existingBundle)
    .parse(process.argv.slice(2), { from: 'user' })
    .opts<WebFlags>();

  const dataDir = path.resolve(flags.dataDir);
  const logger = pino({ level: 'info' }, pino.destination({ dest: path.join(dataDir, 'manager.log'), mkdir: true, sync: false }));
  const manager = await Manager.start({
    holder: 'web',
    dataDir,
    launcher: childProcessLauncher,
    command: nodeCommand(flags.nodeProgram),
    rendererDir: defaultRendererDir(),
    nodeCount: flags.nodes,
    apiPort: flags.port,
    nodeLogLevel: flags.logLevel,
    seedPorts: flags.seedPorts,
    watchFolders: true,
    logger,
  }).catch((err: unknown) => (err instanceof ClusterBusyError ? handOver(err, flags.open) : Promise.reject(err)));
  process.stdout.write(`DFS Desktop dashboard: ${manager.dashboardUrl}\n`);
  if (flags.open) await openBrowser(manager.dashboardUrl, 'open the URL above yourself.');

  let stoppingSince: number | null = null;
  const stop = (): void => {
    // Ctrl-C reaches us from the terminal and again forwarded by npm and scripts/start.js; only a
    // Ctrl-C pressed later means "now" (the nodes then follow on their own when our IPC closes).
    if (stoppingSince !== null) {
      if (Date.now() - stoppingSince > FORCE_AFTER_MS) process.exit(130);
      return;
    }
    stoppingSince = Date.now();
    void manager.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`Stopping the cluster failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`DFS Desktop could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
