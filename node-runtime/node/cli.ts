// Entry point of `dfs-node`: parse flags, then hand over to the node wiring.
import { CommanderError } from 'commander';
import { parseNodeOptions, UsageError } from './cli-options';
import { applyFixedYoungGeneration, applyHeapGrowingPercent } from './heap-policy';

async function main(): Promise<void> {
  if (process.argv[2] === 'restore') return restore(process.argv.slice(3));
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
  // Before the node is built, so the state it loads is already collected under the policy.
  applyHeapGrowingPercent(options.heapGrowingPercent);
  applyFixedYoungGeneration(options.fixedYoungGeneration);
  const { runNode } = await import('./start-node');
  try {
    await runNode(options);
  } catch (err) {
    // Start-up problems a user can fix (port taken, data directory in use or damaged, bad config)
    // get one clear line; anything else keeps its stack for a bug report.
    const known = err instanceof Error && (isStartupProblem(err) || (err as NodeJS.ErrnoException).code === 'EADDRINUSE');
    process.stderr.write(`dfs-node: ${known ? (err as Error).message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  }
}

async function restore(argv: readonly string[]): Promise<void> {
  const { runRestore } = await import('./restore-cli');
  try {
    await runRestore(argv, process.env);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    const known = err instanceof Error && ['RestoreError', 'ArchiveError', 'ChunkHashMismatchError', 'DataDirLockedError'].includes(err.name);
    process.stderr.write(`dfs-node restore: ${known ? (err as Error).message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  }
}

function isStartupProblem(err: Error): boolean {
  return ['DataDirLockedError', 'NodeIdentityMismatchError', 'WalCorruptionError', 'RecoveryError', 'MetadataFileError', 'StartupError'].includes(err.name);
}

await main();
