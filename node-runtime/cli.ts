// Entry point of `dfs-node`: parse flags, then hand over to the node wiring.
import { CommanderError } from 'commander';
import { parseNodeOptions, UsageError } from './cli-options';

async function main(): Promise<void> {
  let options;
  try {
    options = parseNodeOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (err instanceof UsageError) {
      process.stderr.write(`dfs-node: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { runNode } = await import('./node');
  await runNode(options);
}

await main();
