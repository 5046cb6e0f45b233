// Wires storage, Raft, the state machine, the transport and the HTTP API into one process.
import type { NodeOptions } from './cli-options';

export async function runNode(options: NodeOptions): Promise<void> {
  process.stderr.write(
    `dfs-node: node ${options.id} parsed its options, but the node wiring is not built yet; exiting.\n`,
  );
  process.exitCode = 1;
}
