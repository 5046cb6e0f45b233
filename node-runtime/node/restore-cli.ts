// `dfs-node restore --from FILE --data-dir D --node I --cluster SPEC`: flags, then restore.ts.
// The new cluster's members are --cluster, as etcdutl's --initial-cluster: restore one node and
// let the others join it, or restore every member from the same archive.
import { Command } from 'commander';
import { parseCluster, parseIndex } from './cli-options';
import { restoreDataDir } from './restore';

interface RestoreFlags {
  from: string;
  dataDir: string;
  node: number;
  cluster: ReturnType<typeof parseCluster>;
}

export function buildRestoreCommand(): Command {
  return new Command('dfs-node restore')
    .description('Seed a new node\'s data directory from a backup archive (dfsctl backup save), then start dfs-node on it.')
    .requiredOption('--from <file>', 'the backup archive')
    .requiredOption('--data-dir <dir>', 'the new, empty data directory')
    .option('--node <index>', 'this node\'s position in --cluster (0-based)', parseIndex, 0)
    .requiredOption('--cluster <list>', 'the new cluster\'s members "id,[host]:peerPort;...", as dfs-node takes them', parseCluster)
    .addHelpText('after', '\nEnvironment: DFS_CLUSTER_ID names the new cluster (as for dfs-node).')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
}

export async function runRestore(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const command = buildRestoreCommand();
  command.parse([...argv], { from: 'user' });
  const flags = command.opts<RestoreFlags>();
  const result = await restoreDataDir({ from: flags.from, dataDir: flags.dataDir, nodeIndex: flags.node, cluster: flags.cluster, clusterId: env.DFS_CLUSTER_ID ?? 'dfs' });
  process.stdout.write(
    `restored node ${result.nodeId} in ${flags.dataDir}: ${result.files} files (${result.contents} contents, ${result.bytes} bytes) at index ${result.index} of the backup taken ${result.createdAt} from node ${result.sourceNode}\n`,
  );
}
