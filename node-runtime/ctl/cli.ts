// Entry point of `dfsctl`: run one command, print a failure as one line, exit with its code.
import { CommanderError } from 'commander';
import { CtlError, EXIT } from './exit-codes';
import { buildProgram } from './program';

async function main(): Promise<number> {
  try {
    await buildProgram(process.env).parseAsync(process.argv.slice(2), { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof CtlError) {
      process.stderr.write(`dfsctl: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`dfsctl: ${err instanceof Error ? err.stack : String(err)}\n`);
    return EXIT.failed;
  }
}

process.exitCode = await main();
